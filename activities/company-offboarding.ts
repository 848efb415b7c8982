// The steps of a company's offboarding. Each member is removed through their lifecycle, like any
// removal; a member whose lifecycle is gone (never started, or ended without a removal) is
// removed here directly, so no member can hold the company's offboarding open forever.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import { dbNow } from '../db/sql.ts';
import type { Orm } from '../db/orm.ts';
import { recordAudit } from '../domain/audit.ts';
import { DomainError } from '../domain/errors.ts';
import type { LifecycleGateway } from '../domain/members/lifecycle-gateway.ts';
import type { CardAccessProvider } from '../providers/access.ts';
import type { WifiProvider } from '../providers/wifi.ts';

const REMOVALS_IN_FLIGHT = 10;
// A member's offboarding is a few steps; one stuck longer than this finishes on its own, after the report.
const OFFBOARDING_WAIT_MS = 120_000;

export function createCompanyOffboardingActivities({ orm, lifecycles, access, wifi }: { orm: Orm; lifecycles: LifecycleGateway; access: CardAccessProvider; wifi: WifiProvider }) {
  const em = () => orm.em.fork();
  const offboarding = async (id: string) => {
    const row = await em()
      .getKysely()
      .selectFrom('company_offboarding as b')
      .innerJoin('organization as o', 'o.id', 'b.organization_id')
      .selectAll('b')
      .select('o.operator_id')
      .where('b.id', '=', id)
      .executeTakeFirst();
    if (!row) throw ApplicationFailure.nonRetryable(`company offboarding ${id} does not exist`, 'OffboardingNotFound');
    return row;
  };
  // Admins last (role 'user' sorts after 'admin'): the company keeps someone to read the report until the end.
  const liveMembers = (companyId: string, limit: number) =>
    em().getKysely().selectFrom('member').select('id').where('organization_id', '=', companyId).where('status', '<>', 'removed').orderBy('role', 'desc').orderBy('created_at').limit(limit).execute();

  async function removeWithoutLifecycle(memberId: string, companyId: string, actor: string): Promise<void> {
    await em().transactional(async (tx) => {
      const db = tx.getKysely();
      const member = await db.selectFrom('member').select('status').where('id', '=', memberId).forUpdate().executeTakeFirst();
      if (!member || member.status === 'removed') return;
      await db.updateTable('member').set({ status: 'removed', removed_at: dbNow, updated_at: dbNow, enrollment_pin: null }).where('id', '=', memberId).execute();
      const cards = await db.selectFrom('card').select(['id', 'site_id', 'number']).where('member_id', '=', memberId).where('state', '=', 'assigned').forUpdate().execute();
      for (const card of cards) {
        await access.revoke(tx, { siteId: card.site_id, cardId: card.id });
        await db.updateTable('card').set({ state: 'revoked', revoked_at: dbNow }).where('id', '=', card.id).execute();
      }
      await db.updateTable('auth_token').set({ revoked_at: dbNow }).where('member_id', '=', memberId).where('revoked_at', 'is', null).where('consumed_at', 'is', null).execute();
      await recordAudit(tx, { companyId: companyId, memberId, actor, type: 'member.removed_without_lifecycle', data: { cards: cards.map((c) => c.number) } });
    });
    await wifi.revoke({ memberId });
  }

  return {
    async beginCompanyOffboarding(input: { offboardingId: string }): Promise<{ total: number }> {
      const row = await offboarding(input.offboardingId);
      return em().transactional(async (tx) => {
        // The count is taken once, when it starts: a retried start keeps it.
        const updated = await tx
          .getKysely()
          .updateTable('company_offboarding')
          .set((eb) => ({
            state: 'running',
            started_at: sql<Date>`coalesce(started_at, now())`,
            total: eb.fn.coalesce('total', eb.selectFrom('member').select(sql<number>`count(*)::int`.as('n')).where('organization_id', '=', row.organization_id).where('status', '<>', 'removed')),
          }))
          .where('id', '=', input.offboardingId)
          .returning('total')
          .executeTakeFirstOrThrow();
        if (row.state === 'scheduled') {
          await recordAudit(tx, { companyId: row.organization_id, operatorId: row.operator_id, actor: 'system', type: 'company.offboarding_started', data: { offboardingId: row.id, total: updated.total } });
        }
        return { total: updated.total ?? 0 };
      });
    },

    /**
     * Removes the next members still live, and waits for their offboarding (card off the access
     * list, Wi-Fi, sessions, their e-mail) so the report says what is true; answers how many are
     * removed so far and how many remain.
     */
    async removeCompanyMembers(input: { companyId: string; offboardingId: string; batchSize: number }): Promise<{ removed: number; remaining: number }> {
      const actor = `company-offboarding:${input.offboardingId}`;
      const batch = await liveMembers(input.companyId, input.batchSize);
      // Alive while the lifecycles offboard: a worker that dies here is noticed by the heartbeat timeout.
      const activity = Context.current();
      const beat = setInterval(() => activity.heartbeat(), 2000);
      try {
        for (let i = 0; i < batch.length; i += REMOVALS_IN_FLIGHT) {
          await Promise.all(
            batch.slice(i, i + REMOVALS_IN_FLIGHT).map(async ({ id }) => {
              try {
                await lifecycles.remove(id, { actor, reason: 'company offboarding', companyOffboarding: true });
              } catch (error) {
                if (error instanceof DomainError && error.code === 'lifecycle_not_running') return removeWithoutLifecycle(id, input.companyId, actor);
                if (!(error instanceof DomainError && error.code === 'member_removed')) throw error;
              }
              await lifecycles.finished(id, OFFBOARDING_WAIT_MS);
            }),
          );
        }
      } finally {
        clearInterval(beat);
      }
      const db = em().getKysely();
      const counts = await db
        .selectFrom('company_offboarding')
        .select((eb) => ['total', eb.selectFrom('member').select(sql<number>`count(*)::int`.as('n')).where('organization_id', '=', input.companyId).where('status', '<>', 'removed').as('remaining')])
        .where('id', '=', input.offboardingId)
        .executeTakeFirstOrThrow();
      const remaining = counts.remaining ?? 0;
      const removed = Math.max(0, (counts.total ?? 0) - remaining);
      await db.updateTable('company_offboarding').set({ removed }).where('id', '=', input.offboardingId).execute();
      return { removed, remaining };
    },

    /** The company is gone: its keys stop working and its sites are taken back. Answers whom the report is about. */
    async finishCompanyOffboarding(input: { offboardingId: string }): Promise<{ reportTo: string | null }> {
      const row = await offboarding(input.offboardingId);
      return em().transactional(async (tx) => {
        if (row.state !== 'completed') {
          const db = tx.getKysely();
          const sites = await db.deleteFrom('company_site').where('organization_id', '=', row.organization_id).returning('site_id').execute();
          await db.updateTable('api_key').set({ revoked_at: dbNow }).where('organization_id', '=', row.organization_id).where('revoked_at', 'is', null).execute();
          await db.updateTable('organization').set({ offboarded_at: dbNow }).where('id', '=', row.organization_id).execute();
          await db.updateTable('company_offboarding').set((eb) => ({ state: 'completed', finished_at: dbNow, removed: eb.fn.coalesce('total', 'removed') })).where('id', '=', row.id).execute();
          await recordAudit(tx, { companyId: row.organization_id, operatorId: row.operator_id, actor: 'system', type: 'company.offboarded', data: { offboardingId: row.id, total: row.total, sites: sites.map((s) => s.site_id) } });
        }
        const admin = await tx.getKysely().selectFrom('member').select('id').where('organization_id', '=', row.organization_id).where('role', '=', 'admin').orderBy('created_at').limit(1).executeTakeFirst();
        return { reportTo: admin?.id ?? null };
      });
    },

    async cancelCompanyOffboarding(input: { offboardingId: string; actor: string }): Promise<void> {
      const row = await offboarding(input.offboardingId);
      await em().transactional(async (tx) => {
        if (row.state === 'cancelled') return;
        await tx.getKysely().updateTable('company_offboarding').set({ state: 'cancelled', cancelled_by: input.actor, finished_at: dbNow }).where('id', '=', row.id).execute();
        await recordAudit(tx, { companyId: row.organization_id, operatorId: row.operator_id, actor: input.actor, type: 'company.offboarding_cancelled', data: { offboardingId: row.id } });
      });
    },
  };
}

// The steps of a company's offboarding. Each member is removed through their lifecycle, like any
// removal; a member whose lifecycle is gone (never started, or ended without a removal) is
// removed here directly, so no member can hold the company's offboarding open forever.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
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
    const [row] = await em().execute<{ id: string; organization_id: string; operator_id: string; requested_by: string; state: string; total: number | null }[]>(
      'select b.*, o.operator_id from company_offboarding b join organization o on o.id = b.organization_id where b.id = ?',
      [id],
    );
    if (!row) throw ApplicationFailure.nonRetryable(`company offboarding ${id} does not exist`, 'OffboardingNotFound');
    return row;
  };
  const liveMembers = (companyId: string, limit: number) =>
    em().execute<{ id: string }[]>(`select id from member where organization_id = ? and status <> 'removed' order by role desc, created_at limit ?`, [companyId, limit]);

  async function removeWithoutLifecycle(memberId: string, companyId: string, actor: string): Promise<void> {
    await em().transactional(async (tx) => {
      const [member] = await tx.execute<{ status: string }[]>('select status from member where id = ? for update', [memberId]);
      if (!member || member.status === 'removed') return;
      await tx.execute(`update member set status = 'removed', removed_at = now(), updated_at = now(), enrollment_pin = null where id = ?`, [memberId]);
      const cards = await tx.execute<{ id: string; site_id: string; number: string }[]>(`select id, site_id, number from card where member_id = ? and state = 'assigned' for update`, [memberId]);
      for (const card of cards) {
        await access.revoke(tx, { siteId: card.site_id, cardId: card.id });
        await tx.execute(`update card set state = 'revoked', revoked_at = now() where id = ?`, [card.id]);
      }
      await tx.execute(`update auth_token set revoked_at = now() where member_id = ? and revoked_at is null and consumed_at is null`, [memberId]);
      await recordAudit(tx, { companyId: companyId, memberId, actor, type: 'member.removed_without_lifecycle', data: { cards: cards.map((c) => c.number) } });
    });
    await wifi.revoke({ memberId });
  }

  return {
    async beginCompanyOffboarding(input: { offboardingId: string }): Promise<{ total: number }> {
      const row = await offboarding(input.offboardingId);
      return em().transactional(async (tx) => {
        const [updated] = await tx.execute<{ total: number; started: boolean }[]>(
          `update company_offboarding set state = 'running', started_at = coalesce(started_at, now()),
                  total = coalesce(total, (select count(*) from member where organization_id = ? and status <> 'removed'))
            where id = ? returning total, (state = 'running') as started`,
          [row.organization_id, input.offboardingId],
        );
        if (row.state === 'scheduled') {
          await recordAudit(tx, { companyId: row.organization_id, operatorId: row.operator_id, actor: 'system', type: 'company.offboarding_started', data: { offboardingId: row.id, total: updated!.total } });
        }
        return { total: updated!.total };
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
      const [counts] = await em().execute<{ remaining: number; total: number }[]>(
        `select (select count(*)::int from member where organization_id = ? and status <> 'removed') as remaining, total from company_offboarding where id = ?`,
        [input.companyId, input.offboardingId],
      );
      const removed = Math.max(0, (counts!.total ?? 0) - counts!.remaining);
      await em().execute('update company_offboarding set removed = ? where id = ?', [removed, input.offboardingId]);
      return { removed, remaining: counts!.remaining };
    },

    /** The company is gone: its keys stop working and its sites are taken back. Answers whom the report is about. */
    async finishCompanyOffboarding(input: { offboardingId: string }): Promise<{ reportTo: string | null }> {
      const row = await offboarding(input.offboardingId);
      return em().transactional(async (tx) => {
        if (row.state !== 'completed') {
          const sites = await tx.execute<{ site_id: string }[]>('delete from company_site where organization_id = ? returning site_id', [row.organization_id]);
          await tx.execute('update api_key set revoked_at = now() where organization_id = ? and revoked_at is null', [row.organization_id]);
          await tx.execute('update organization set offboarded_at = now() where id = ?', [row.organization_id]);
          await tx.execute(`update company_offboarding set state = 'completed', finished_at = now(), removed = coalesce(total, removed) where id = ?`, [row.id]);
          await recordAudit(tx, { companyId: row.organization_id, operatorId: row.operator_id, actor: 'system', type: 'company.offboarded', data: { offboardingId: row.id, total: row.total, sites: sites.map((s) => s.site_id) } });
        }
        const [admin] = await tx.execute<{ id: string }[]>(`select id from member where organization_id = ? and role = 'admin' order by created_at limit 1`, [row.organization_id]);
        return { reportTo: admin?.id ?? null };
      });
    },

    async cancelCompanyOffboarding(input: { offboardingId: string; actor: string }): Promise<void> {
      const row = await offboarding(input.offboardingId);
      await em().transactional(async (tx) => {
        if (row.state === 'cancelled') return;
        await tx.execute(`update company_offboarding set state = 'cancelled', cancelled_by = ?, finished_at = now() where id = ?`, [input.actor, row.id]);
        await recordAudit(tx, { companyId: row.organization_id, operatorId: row.operator_id, actor: input.actor, type: 'company.offboarding_cancelled', data: { offboardingId: row.id } });
      });
    },
  };
}

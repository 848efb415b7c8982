// The bulk-invitation activities: each row is invited exactly as `POST /v1/members` would, and
// its outcome written as soon as it is known, so a retried batch carries on where it stopped.
import { recordAudit } from '../domain/audit.ts';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import { jsonb } from '../db/sql.ts';
import type { Orm } from '../db/orm.ts';
import { DomainError } from '../domain/errors.ts';
import { isUuid } from '../domain/ids.ts';
import { displayedRow, importCounts, ImportRow, type ImportReason } from '../domain/imports/member-import.ts';
import { inviteMember } from '../domain/members/invite-member.ts';
import type { LifecycleGateway } from '../domain/members/lifecycle-gateway.ts';

// Invitations of one import in flight at once: each waits mostly on PostgreSQL and Temporal.
const IMPORT_CONCURRENCY = 8;

export function createImportActivities({ orm, lifecycles }: { orm: Orm; lifecycles: LifecycleGateway }) {
  return {
    async importMemberBatch(input: { importId: string; batchSize: number }): Promise<{ remaining: number }> {
      const em = orm.em.fork();
      const db = em.getKysely();
      const head = await db.selectFrom('member_import').select(['organization_id', 'actor', 'source']).where('id', '=', input.importId).executeTakeFirst();
      if (!head) throw ApplicationFailure.nonRetryable(`import ${input.importId} does not exist`, 'ImportNotFound');
      const rows = await db
        .selectFrom('member_import_row')
        .select(['id', 'position', 'input'])
        .where('member_import_id', '=', input.importId)
        .where('outcome', 'is', null)
        .orderBy('position')
        .limit(input.batchSize)
        .execute();
      const sites = await db.selectFrom('site as s').innerJoin('company_site as g', 'g.site_id', 's.id').select(['s.id', 's.name']).where('g.organization_id', '=', head.organization_id).execute();
      const record = (rowId: number, outcome: 'created' | 'skipped' | 'failed', memberId: string | null, message: string | null, reason?: { code: ImportReason; params?: Record<string, string | number> }) =>
        orm.em
          .fork()
          .getKysely()
          .updateTable('member_import_row')
          .set({
            outcome,
            member_id: memberId,
            message,
            reason: reason?.code ?? null,
            reason_params: reason ? jsonb(reason.params ?? {}) : null,
          })
          .where('id', '=', rowId)
          .execute();

      const importRow = async (row: (typeof rows)[number]): Promise<void> => {
        Context.current().heartbeat(row.position);
        const parsed = ImportRow.parse(row.input);
        const wanted = parsed.siteId ?? parsed.site;
        const site = wanted ? sites.find((s) => s.id === wanted || (!isUuid(wanted) && s.name.toLowerCase() === wanted.toLowerCase())) : undefined;
        if (wanted && !site) {
          await record(row.id, 'failed', null, `site: no site "${wanted}" in this company`, { code: 'site_not_found', params: { site: wanted } });
          return;
        }
        try {
          const invited = await inviteMember(
            { em: orm.em.fork(), lifecycles },
            {
              companyId: head.organization_id, email: parsed.email, name: parsed.name, role: parsed.role, locale: parsed.locale, siteId: site?.id, actor: head.actor,
              importId: input.importId, reinviteRemoved: parsed.reinvite ?? false, dates: { startsOn: parsed.startsOn, endsOn: parsed.endsOn },
              access: { kind: parsed.kind, dates: parsed.dates, card: parsed.card, accessDays: parsed.accessDays },
            },
          );
          await record(row.id, 'created', invited.memberId, null);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          const memberId = typeof error.details.memberId === 'string' ? error.details.memberId : null;
          const earlierRow = memberId ? await rowThatCreated(memberId, input.importId) : undefined;
          if (error.code === 'member_exists' && earlierRow !== undefined) {
            const shown = displayedRow(head.source, earlierRow);
            await record(row.id, 'skipped', memberId, `the same e-mail address is already on row ${shown} of this import`, { code: 'duplicate_in_file', params: { row: shown } });
          } else if (error.code === 'member_exists' && memberId && (await invitedByThisImport(memberId, input.importId))) {
            // An earlier attempt of this batch invited them and crashed before writing it down.
            await record(row.id, 'created', memberId, null);
          } else if (error.code === 'member_removed_earlier') {
            await record(row.id, 'skipped', memberId, 'removed earlier — re-invite from their page (or add reinvite=yes to the row)', { code: 'removed_earlier' });
          } else if (error.code === 'seats_full') {
            await record(row.id, 'failed', null, error.message, { code: 'seats_full' });
          } else if (error.code === 'member_exists') {
            await record(row.id, 'skipped', memberId, `already a member (${String(error.details.status)})`, { code: 'already_member' });
          } else {
            await record(row.id, 'failed', null, error.message);
          }
        }
      };

      // Rows of one address run in file order (the first one invites, the next are duplicates);
      // different addresses are invited side by side.
      const byAddress = new Map<string, typeof rows>();
      for (const row of rows) {
        const email = String((row.input as { email?: unknown } | null)?.email ?? '').trim().toLowerCase();
        byAddress.set(email, [...(byAddress.get(email) ?? []), row]);
      }
      const groups = [...byAddress.values()];
      const work = async () => {
        for (let group = groups.shift(); group; group = groups.shift()) {
          for (const row of group) await importRow(row);
        }
      };
      await Promise.all(Array.from({ length: IMPORT_CONCURRENCY }, work));
      const left = await db
        .selectFrom('member_import_row')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('member_import_id', '=', input.importId)
        .where('outcome', 'is', null)
        .executeTakeFirstOrThrow();
      return { remaining: left.n };
    },

    /**
     * Marks the import finished; `notify` names the administrator who started it (imports started
     * with an API key have nobody to tell: the HR system reads the outcome from the API).
     */
    async finishMemberImport(input: { importId: string }): Promise<{
      created: number;
      skipped: number;
      failed: number;
      notify?: { companyId: string; memberId: string };
    }> {
      const em = orm.em.fork();
      const db = em.getKysely();
      const head = await db
        .updateTable('member_import')
        .set({ finished_at: sql<Date>`coalesce(finished_at, now())` })
        .where('id', '=', input.importId)
        .returning(['organization_id', 'actor', 'total'])
        .executeTakeFirst();
      const { created, skipped, failed } = await importCounts(em, input.importId);
      if (head) {
        // Keyed: a retried activity records it once (and so sends its webhook once).
        await recordAudit(em, {
          companyId: head.organization_id, actor: head.actor, type: 'import.finished', idempotencyKey: `member-import-${input.importId}/finished`,
          data: { importId: input.importId, total: head.total, created, skipped, failed },
        });
      }
      const starter = /^member:(.+)$/.exec(head?.actor ?? '')?.[1];
      const admin = starter && head
        ? await db.selectFrom('member').select('id').where('id', '=', starter).where('organization_id', '=', head.organization_id).where('role', '=', 'admin').where('status', '<>', 'removed').executeTakeFirst()
        : undefined;
      return { created, skipped, failed, ...(admin ? { notify: { companyId: head!.organization_id, memberId: admin.id } } : {}) };
    },
  };

  async function rowThatCreated(memberId: string, importId: string): Promise<number | undefined> {
    const row = await orm.em
      .fork()
      .getKysely()
      .selectFrom('member_import_row')
      .select('position')
      .where('member_import_id', '=', importId)
      .where('member_id', '=', memberId)
      .where('outcome', '=', 'created')
      .limit(1)
      .executeTakeFirst();
    return row?.position;
  }

  async function invitedByThisImport(memberId: string, importId: string): Promise<boolean> {
    const row = await orm.em
      .fork()
      .getKysely()
      .selectFrom('audit_event')
      .select('id')
      .where('member_id', '=', memberId)
      .where('type', 'in', ['member.invited', 'member.reinvited'])
      .where(sql<boolean>`data->>'importId' = ${importId}`)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}

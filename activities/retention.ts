// Personal data that has an end (docs/privacy.md): movement records, visitors' data, e-mails and
// webhook payloads are purged after their retention, and removed members pseudonymised, for each
// operator after its own settings.
import { Context } from '@temporalio/activity';
import { purgeEntryEvents } from '../domain/access/entry-events.ts';
import { purgeVisits } from '../domain/visits/visit-changes.ts';
import { recordAudit } from '../domain/audit.ts';
import { DomainError } from '../domain/errors.ts';
import { pseudonymiseMember } from '../domain/members/erase-member.ts';
import { operatorRetention, retentionCutoffs, retentionDefaults } from '../domain/privacy/retention.ts';
import { membersToPseudonymise, purgeMessages, purgeUnattachedAuditPersonal, purgeWebhookPayloads } from '../domain/privacy/purge.ts';
import type { RetentionInput } from '../contract/workflows.ts';
import type { Orm } from '../db/orm.ts';

export interface OperatorPurge {
  entryEvents: number;
  visits: number;
  messages: number;
  webhookPayloads: number;
  auditPersonal: number;
  pseudonymised: number;
  /** Removed members whose erasure waits for the next run (their removal still finishing). */
  postponed: number;
}

export function createRetentionActivities({ orm }: { orm: Orm }) {
  return {
    /** The operators whose data the purge goes through, one activity each. */
    async retentionOperators(): Promise<string[]> {
      const rows = await orm.em.fork().getKysely().selectFrom('operator').select('id').orderBy('id').execute();
      return rows.map((r) => r.id);
    },
    /**
     * One operator's purge, after its settings, counted from `at` (the run's clock): every kind of
     * data, then one audit event with the counts. Each step only removes what is past its time,
     * so a retried attempt finds less to do and the run's audit event is written once.
     */
    async purgeOperatorData(input: { operatorId: string; at: string; defaults: RetentionInput }): Promise<OperatorPurge> {
      const em = orm.em.fork();
      const { settings, overrides } = await operatorRetention(em, input.operatorId, retentionDefaults(input.defaults));
      const cut = retentionCutoffs(settings, new Date(input.at));
      const counts: OperatorPurge = {
        entryEvents: await purgeEntryEvents(em, cut.entryEventsBefore, { operatorId: input.operatorId }),
        visits: await purgeVisits(em, cut.visitsBefore, input.operatorId),
        messages: await purgeMessages(em, input.operatorId, cut.messagesBefore),
        webhookPayloads: await purgeWebhookPayloads(em, input.operatorId, cut.messagesBefore),
        auditPersonal: await purgeUnattachedAuditPersonal(em, input.operatorId, cut.messagesBefore),
        pseudonymised: 0,
        postponed: 0,
      };
      // One member that cannot be erased yet (their removal still finishing) waits for the next
      // run; it neither stops the others nor makes this one loop.
      const tried = new Set<string>();
      for (;;) {
        const due = (await membersToPseudonymise(em, input.operatorId, cut.removedBefore)).filter((id) => !tried.has(id));
        if (!due.length) break;
        for (const memberId of due) {
          tried.add(memberId);
          try {
            if ((await pseudonymiseMember(em, { memberId, actor: 'system', why: 'retention' })).now) counts.pseudonymised++;
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            counts.postponed++;
            Context.current().log.warn('member not pseudonymised yet', { memberId, reason: error.message });
          }
        }
      }
      const runId = Context.current().info.workflowExecution?.runId ?? 'outside-a-workflow';
      await recordAudit(em, {
        companyId: null, operatorId: input.operatorId, actor: 'system', type: 'retention.purged',
        data: { ...counts, settings, changedByOperator: Object.keys(overrides), at: input.at },
        idempotencyKey: `retention/${runId}/${input.operatorId}`,
      });
      return counts;
    },
    /** Drops the entry events older than `before`, then audits how many went (for each operator: one per installation). */
    async purgeEntryEvents(input: { before: string; retentionDays: number }): Promise<{ purged: number }> {
      const em = orm.em.fork();
      const purged = await purgeEntryEvents(em, new Date(input.before));
      const operators = await em.getKysely().selectFrom('operator').select('id').execute();
      for (const operator of operators) {
        await recordAudit(em, { companyId: null, operatorId: operator.id, actor: 'system', type: 'entry_events.purged', data: { purged, before: input.before, retentionDays: input.retentionDays } });
      }
      return { purged };
    },
    /** Forgets the visitors of visits dated before `before` (YYYY-MM-DD); the visits stay, to be counted. */
    async purgeVisitorData(input: { before: string; retentionDays: number }): Promise<{ purged: number }> {
      const em = orm.em.fork();
      const purged = await purgeVisits(em, input.before);
      const operators = await em.getKysely().selectFrom('operator').select('id').execute();
      for (const operator of operators) {
        await recordAudit(em, { companyId: null, operatorId: operator.id, actor: 'system', type: 'visitors.purged', data: { purged, before: input.before, retentionDays: input.retentionDays } });
      }
      return { purged };
    },
  };
}

// Personal data that has an end: entry events (movement records) and visitors' names, addresses
// and times are purged after their retention.
import { purgeEntryEvents } from '../domain/access/entry-events.ts';
import { purgeVisits } from '../domain/visits/visit-changes.ts';
import { recordAudit } from '../domain/audit.ts';
import type { Orm } from '../db/orm.ts';

export function createRetentionActivities({ orm }: { orm: Orm }) {
  return {
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

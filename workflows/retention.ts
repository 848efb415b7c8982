// Run daily by a Temporal Schedule (services/retention-schedule.ts), not cron and not a timer table.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { OperatorPurge } from '../activities/retention.ts';
import type { RetentionInput } from '../contract/workflows.ts';

const { purgeEntryEvents, purgeVisitorData, retentionOperators, purgeOperatorData } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const DAY_MS = 86_400_000;

export type PurgeTotals = OperatorPurge & { operators: number };

/**
 * Purges what is past its retention, counted from this run's own clock: for each operator after
 * its own settings (the input's are the deployment's defaults), every kind of personal data.
 */
export async function purgeExpiredData(input: RetentionInput): Promise<PurgeTotals | { entryEvents: number; visits?: number }> {
  if (patched('retention-per-operator')) {
    const at = new Date().toISOString();
    const totals: PurgeTotals = { operators: 0, entryEvents: 0, visits: 0, messages: 0, webhookPayloads: 0, auditPersonal: 0, pseudonymised: 0, postponed: 0 };
    for (const operatorId of await retentionOperators()) {
      const purged = await purgeOperatorData({ operatorId, at, defaults: input });
      for (const key of Object.keys(purged) as (keyof OperatorPurge)[]) totals[key] += purged[key];
      totals.operators++;
    }
    return totals;
  }
  // Runs started before operators had settings replay as they ran.
  const before = new Date(Date.now() - input.entryEventRetentionDays * DAY_MS).toISOString();
  const { purged } = await purgeEntryEvents({ before, retentionDays: input.entryEventRetentionDays });
  if (!patched('purge-visitors')) return { entryEvents: purged };
  const days = input.visitorRetentionDays ?? 90;
  // Visits are dated (days at the site): the ones before this UTC date are past the retention.
  const visitsBefore = new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);
  const visits = await purgeVisitorData({ before: visitsBefore, retentionDays: days });
  return { entryEvents: purged, visits: visits.purged };
}

// Run daily by a Temporal Schedule (services/retention-schedule.ts), not cron and not a timer table.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { RetentionInput } from '../contract/workflows.ts';

const { purgeEntryEvents, purgeVisitorData } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const DAY_MS = 86_400_000;

/** Purges the movement records, and visitors' data, older than their retention, counted from this run's own clock. */
export async function purgeExpiredData(input: RetentionInput): Promise<{ entryEvents: number; visits?: number }> {
  const before = new Date(Date.now() - input.entryEventRetentionDays * DAY_MS).toISOString();
  const { purged } = await purgeEntryEvents({ before, retentionDays: input.entryEventRetentionDays });
  if (!patched('purge-visitors')) return { entryEvents: purged };
  const days = input.visitorRetentionDays ?? 90;
  // Visits are dated (days at the site): the ones before this UTC date are past the retention.
  const visitsBefore = new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);
  const visits = await purgeVisitorData({ before: visitsBefore, retentionDays: days });
  return { entryEvents: purged, visits: visits.purged };
}

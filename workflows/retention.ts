// Run daily by a Temporal Schedule (services/retention-schedule.ts), not cron and not a timer table.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { RetentionInput } from '../contract/workflows.ts';

const { purgeEntryEvents } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const DAY_MS = 86_400_000;

/** Purges the movement records older than the retention, counted from this run's own clock. */
export async function purgeExpiredData(input: RetentionInput): Promise<{ entryEvents: number }> {
  const before = new Date(Date.now() - input.entryEventRetentionDays * DAY_MS).toISOString();
  const { purged } = await purgeEntryEvents({ before, retentionDays: input.entryEventRetentionDays });
  return { entryEvents: purged };
}

import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const { importMemberBatch, finishMemberImport } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A bulk invitation: its rows wait in the database and are invited batch by batch, each row's
 * outcome written as it goes, so the API answers at once and progress is readable at any time.
 * A retried batch skips the rows it already did.
 */
export async function memberImport(input: { importId: string; batchSize?: number }): Promise<{ created: number; skipped: number; failed: number }> {
  for (;;) {
    const { remaining } = await importMemberBatch({ importId: input.importId, batchSize: input.batchSize ?? 50 });
    if (remaining === 0) break;
  }
  return finishMemberImport({ importId: input.importId });
}

import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const { checkDatabase } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/** A round trip through Temporal, a worker and the database: what operators run to test a deployment. */
export async function diagnosticsWorkflow(): Promise<{ workflowId: string; databaseTime: string }> {
  return { workflowId: workflowInfo().workflowId, databaseTime: await checkDatabase() };
}

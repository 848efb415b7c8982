import test from 'ava';
import { diagnosticsWorkflow } from '../workflows/diagnostics.ts';
import { migratedOrm } from './helpers/database.ts';
import { startWorker, temporalClient, uniqueTaskQueue } from './helpers/temporal.ts';

test('the worker runs a workflow and its database activity on the real Temporal server', async (t) => {
  const { orm } = await migratedOrm(t);
  const taskQueue = uniqueTaskQueue();
  await startWorker(t, { orm, taskQueue });
  const client = await temporalClient(t);

  const workflowId = `diagnostics-${taskQueue}`;
  const before = Date.now();
  const result = await client.workflow.execute(diagnosticsWorkflow, { taskQueue, workflowId, workflowExecutionTimeout: '60s' });
  t.is(result.workflowId, workflowId);
  const dbTime = Date.parse(result.databaseTime);
  t.true(Math.abs(dbTime - before) < 60_000, `database clock ${result.databaseTime} is now-ish`);

  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes) ?? [];
  t.is(scheduled[0]?.activityTaskScheduledEventAttributes?.activityType?.name, 'checkDatabase');
});

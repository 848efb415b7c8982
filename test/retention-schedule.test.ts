// The daily purge is a Temporal Schedule on the real dev server: made once however many workers
// start, and kept as configured (ENTRY_EVENT_RETENTION_DAYS) when the setting changes.
import test from 'ava';
import { retentionScheduleId } from '../contract/workflows.ts';
import { ensureRetentionSchedule } from '../services/retention-schedule.ts';
import { fileScope } from './helpers/scope.ts';
import { temporalClient, uniqueTaskQueue } from './helpers/temporal.ts';

const scope = fileScope();

test('made once, daily, the purge workflow with the retention; a changed retention updates it', async (t) => {
  const client = await temporalClient(scope);
  const taskQueue = uniqueTaskQueue();
  t.teardown(() => client.schedule.getHandle(retentionScheduleId(taskQueue)).delete().catch(() => {}));
  const [first, second] = await Promise.all([
    ensureRetentionSchedule(client, { taskQueue, entryEventRetentionDays: 90 }),
    ensureRetentionSchedule(client, { taskQueue, entryEventRetentionDays: 90 }),
  ]);
  t.deepEqual([first.created, second.created].sort(), [false, true], 'two workers starting at once make one schedule');
  const described = await client.schedule.getHandle(retentionScheduleId(taskQueue)).describe();
  t.like(described.action, { type: 'startWorkflow', workflowType: 'purgeExpiredData', taskQueue, args: [{ entryEventRetentionDays: 90 }] });
  t.like(described.spec.calendars?.[0], { hour: [{ start: 3, end: 3, step: 1 }], minute: [{ start: 17, end: 17, step: 1 }] });

  t.like(await ensureRetentionSchedule(client, { taskQueue, entryEventRetentionDays: 30 }), { created: false });
  const updated = await client.schedule.getHandle(retentionScheduleId(taskQueue)).describe();
  t.like(updated.action, { args: [{ entryEventRetentionDays: 30 }] });
});

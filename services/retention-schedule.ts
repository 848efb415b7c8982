// The daily purge as a durable Temporal Schedule: created by the first worker to start, then
// kept as configured (ENTRY_EVENT_RETENTION_DAYS, VISITOR_RETENTION_DAYS, MESSAGE_RETENTION_DAYS,
// PSEUDONYMISE_AFTER_MONTHS: the defaults each operator may change) by every worker that starts after. Creating it
// twice is a no-op; a retention changed in the environment updates the schedule's input.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { retentionScheduleId, type RetentionInput } from '../contract/workflows.ts';

export async function ensureRetentionSchedule(client: Client, options: { taskQueue: string } & RetentionInput): Promise<{ created: boolean }> {
  const scheduleId = retentionScheduleId(options.taskQueue);
  const { taskQueue: _, ...input } = options;
  const args: [RetentionInput] = [input];
  try {
    await client.schedule.create({
      scheduleId,
      // 03:17 UTC: off the hour, when offices are empty.
      spec: { calendars: [{ hour: 3, minute: 17 }] },
      action: { type: 'startWorkflow', workflowType: 'purgeExpiredData', args, taskQueue: options.taskQueue, workflowId: `${scheduleId}-run` },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
    return { created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    const handle = client.schedule.getHandle(scheduleId);
    const described = await handle.describe();
    const current = described.action.type === 'startWorkflow' ? described.action.args : undefined;
    if (JSON.stringify(current) !== JSON.stringify(args)) {
      await handle.update((previous) => ({ ...previous, action: { ...previous.action, type: 'startWorkflow', workflowType: 'purgeExpiredData', args, taskQueue: options.taskQueue } }));
    }
    return { created: false };
  }
}

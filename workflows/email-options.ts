import type { ActivityOptions } from '@temporalio/workflow';

/**
 * How workflows call `sendEmail`: SMTP errors are retried with a growing pause (5 s, 10 s, …, then
 * every 30 min). The activity itself gives up after SMTP_RETRY_FOR (24 h by default) and marks the
 * e-mail failed, so a long SMTP outage never stalls a member's lifecycle for good.
 */
export const emailActivityOptions: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
};

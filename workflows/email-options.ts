import type { ActivityOptions } from '@temporalio/workflow';

/**
 * How workflows call `sendEmail`: SMTP errors are retried with a growing pause (5 s, 10 s, …, then
 * every 30 min). The activity itself gives up after SMTP_RETRY_FOR (24 h by default) and marks the
 * e-mail failed, so a long SMTP outage never stalls a member's lifecycle for good.
 */
export const emailActivityOptions: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  // The activity heartbeats every 2 s: a dead worker's attempt is retried after 10 s, not 2 minutes.
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
};

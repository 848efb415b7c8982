import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';

// Side effects retry for as long as it takes (a database or SMTP outage must not end a member's
// lifecycle); activities mark what can never succeed as non-retryable.
const activityOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** The lifecycle's activities (types only: the worker registers the code). */
export const act = proxyActivities<Activities>(activityOptions);

// Ids and messages shared by the webhook workflows and their callers.
/** One stream per endpoint and member (or company): its deliveries go one at a time, in order. */
export const webhookStreamWorkflowId = (endpointId: string, streamKey: string) => `webhook-stream-${endpointId}-${streamKey}`;
/** Webhook delivery's own task queue beside the lifecycle's. */
export const webhookTaskQueue = (taskQueue: string) => `${taskQueue}-webhooks`;
/** One relay per task queue: stacks and test runs sharing a Temporal server keep to their own database. */
export const webhookRelayWorkflowId = (taskQueue: string) => `webhook-relay-${taskQueue}`;

/**
 * After the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (each ±10 %),
 * ten attempts over about three days. A 429/503's Retry-After replaces the step it falls on.
 */
export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000];
export const WEBHOOK_JITTER = 0.1;
/** An endpoint that failed everything for this long is disabled and its admins told. */
export const WEBHOOK_DISABLE_AFTER_MS = 5 * 86_400_000;
/** The longest Retry-After honoured. */
export const WEBHOOK_MAX_RETRY_AFTER_MS = 86_400_000;

/** The schedule's step after the given attempt of a round (1-based), jittered by `jitter` ∈ [0, 1); null after the last. */
export function retryDelay(attempt: number, jitter: number): number | null {
  const base = WEBHOOK_RETRY_DELAYS_MS[attempt - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - WEBHOOK_JITTER + 2 * WEBHOOK_JITTER * jitter));
}

/** An endpoint an attempt disabled, for the e-mail to its admins. */
export interface DisabledEndpoint {
  organizationId: string;
  memberId: string;
  endpointId: string;
  reason: string;
  at: string;
}

export type AttemptOutcome =
  | { outcome: 'delivered'; status: number }
  /** Sleep `retryInMs`, then attempt again. */
  | { outcome: 'retry'; retryInMs: number; status: number | null }
  /** Another attempt of it is under way (the relay's): look again shortly. */
  | { outcome: 'busy'; status: null }
  /** Given up, or nothing to do (already delivered, deleted, endpoint disabled). */
  | { outcome: 'failed' | 'skipped'; status: number | null; disabled?: DisabledEndpoint };

/** A stream's step: its oldest pending delivery attempted, or nothing left to do. */
export type StreamStep = (AttemptOutcome & { deliveryId: string }) | { outcome: 'idle' };

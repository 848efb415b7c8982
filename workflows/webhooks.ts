// Webhook delivery, durably: the database holds what to deliver (the outbox and its delivery
// rows), Temporal holds when — the relay wakes when events commit, each stream delivers one
// member's events in order with its retries as timers. A worker killed mid-attempt is retried by
// Temporal with the same delivery, so a receiver may see an event twice but always under one id.
import { condition, continueAsNew, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { WEBHOOK_JITTER, WEBHOOK_RETRY_DELAYS_MS } from '../domain/webhooks/streams.ts';
import { emailActivityOptions } from './email-options.ts';

export const relayWakeSignal = defineSignal('wake');
/** Wakes a stream; with ids, those deliveries are attempted now rather than at their next time. */
export const streamWakeSignal = defineSignal<[{ retryNow?: string[] }]>('wake');

const { relayWebhookEvents, nextWebhookDelivery } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
// The attempt's own deadline is 15 s; a worker lost mid-attempt is noticed after this.
const { attemptWebhookDelivery } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
const { sendEmail } = proxyActivities<Activities>(emailActivityOptions);

/** The relay's sweep when nothing wakes it: a notification lost with a dead listener waits this at most. */
const SWEEP_EVERY = '30 seconds';
const RELAY_ROUNDS_PER_RUN = 500;
const STREAM_IDLE = '1 minute';
const STREAM_DELIVERIES_PER_RUN = 100;

export async function webhookRelay(): Promise<void> {
  let woken = false;
  setHandler(relayWakeSignal, () => {
    woken = true;
  });
  for (let round = 0; round < RELAY_ROUNDS_PER_RUN; round++) {
    woken = false;
    const { more } = await relayWebhookEvents();
    if (!more) await condition(() => woken, SWEEP_EVERY);
  }
  await continueAsNew<typeof webhookRelay>();
}

/** The schedule's step after the given attempt of a round (1-based), jittered; null after the last. */
export function retryDelay(attempt: number, random: () => number): number | null {
  const base = WEBHOOK_RETRY_DELAYS_MS[attempt - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - WEBHOOK_JITTER + 2 * WEBHOOK_JITTER * random()));
}

export async function webhookStream(input: { endpointId: string; streamKey: string }): Promise<{ delivered: number; failed: number }> {
  let woken = false;
  const retryNow = new Set<string>();
  setHandler(streamWakeSignal, (wake) => {
    woken = true;
    for (const id of wake?.retryNow ?? []) retryNow.add(id);
  });
  const counts = { delivered: 0, failed: 0 };
  for (let handled = 0; handled < STREAM_DELIVERIES_PER_RUN; ) {
    woken = false;
    const next = await nextWebhookDelivery(input);
    if (!next) {
      // Idle: ends unless woken; the relay starts it again for the next event.
      if (!(await condition(() => woken, STREAM_IDLE))) return counts;
      continue;
    }
    handled++;
    for (let attempt = next.roundAttempts + 1; ; attempt++) {
      retryNow.delete(next.id);
      // Math.random is seeded per workflow run: replays jitter the same way.
      const result = await attemptWebhookDelivery({ deliveryId: next.id, retryInMs: retryDelay(attempt, Math.random), at: Date.now() });
      if (result.outcome === 'retry') {
        await condition(() => retryNow.has(next.id), result.retryInMs);
        continue;
      }
      if (result.outcome === 'delivered') counts.delivered++;
      else if (result.outcome === 'failed') counts.failed++;
      if (result.outcome === 'failed' && result.disabled) {
        await sendEmail({
          key: `webhook-${result.disabled.endpointId}/disabled-${result.disabled.at}`,
          organizationId: result.disabled.organizationId,
          memberId: result.disabled.memberId,
          to: 'webhook_admins',
          template: 'webhook_disabled',
          data: { endpointId: result.disabled.endpointId },
        });
      }
      break;
    }
  }
  await continueAsNew<typeof webhookStream>(input);
  return counts;
}

/** `POST /v1/webhooks/{id}/test`: one attempt, answered to the caller; no retries. */
export async function webhookTestDelivery(input: { deliveryId: string }) {
  return attemptWebhookDelivery({ deliveryId: input.deliveryId, retryInMs: null, at: Date.now() });
}


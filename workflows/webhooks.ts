// Webhook delivery, durably: the database holds what to deliver (the outbox and its delivery
// rows), Temporal holds when — the relay wakes when events commit, each stream delivers one
// member's events in order with its retries as timers. A worker killed mid-attempt is retried by
// Temporal with the same delivery, so a receiver may see an event twice but always under one id.
import { condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { relayWakeSignal, streamWakeSignal, withCompanyId, type DisabledEndpoint } from '../contract/workflows.ts';
import { emailActivityOptions } from './email-options.ts';


// A round makes some first attempts itself (15 s each at most); it heartbeats every 2 s.
const { relayWebhookEvents } = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
// The attempt's own deadline is 15 s; a worker lost mid-attempt is noticed after this.
const { attemptWebhookDelivery, attemptNextWebhookDelivery } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
const { sendEmail } = proxyActivities<Activities>(emailActivityOptions);

/** The relay's sweep when nothing wakes it: a notification lost with a dead listener waits this at most. */
const SWEEP_EVERY = '30 seconds';
const RELAY_ROUNDS_PER_RUN = 500;
const STREAM_IDLE = '1 minute';
const BUSY_PAUSE = '2 seconds';
const STREAM_ATTEMPTS_PER_RUN = 200;

export async function webhookRelay(): Promise<void> {
  let woken = false;
  setHandler(relayWakeSignal, () => {
    woken = true;
  });
  for (let round = 0; round < RELAY_ROUNDS_PER_RUN; round++) {
    woken = false;
    const { more, disabled } = await relayWebhookEvents({ at: Date.now() });
    for (const d of disabled) await sendEmail(disabledEmail(d));
    if (!more) await condition(() => woken, SWEEP_EVERY);
  }
  await continueAsNew<typeof webhookRelay>();
}

export async function webhookStream(input: { endpointId: string; streamKey: string }): Promise<{ delivered: number; failed: number }> {
  let woken = false;
  const retryNow = new Set<string>();
  setHandler(streamWakeSignal, (wake) => {
    woken = true;
    for (const id of wake?.retryNow ?? []) retryNow.add(id);
  });
  const counts = { delivered: 0, failed: 0 };
  for (let attempts = 0; attempts < STREAM_ATTEMPTS_PER_RUN; attempts++) {
    woken = false;
    retryNow.clear();
    // Math.random is seeded per workflow run: a replay jitters the same way.
    const step = await attemptNextWebhookDelivery({ ...input, at: Date.now(), jitter: Math.random() });
    if (step.outcome === 'idle') {
      // Nothing left: ends unless woken; the relay starts it again for the next event.
      if (!(await condition(() => woken, STREAM_IDLE))) return counts;
      continue;
    }
    if (step.outcome === 'retry' || step.outcome === 'busy') {
      // The same delivery comes next (the oldest pending), unless a manual retry says now.
      await condition(() => retryNow.size > 0, step.outcome === 'busy' ? BUSY_PAUSE : step.retryInMs);
      continue;
    }
    if (step.outcome === 'delivered') counts.delivered++;
    if (step.outcome === 'failed') counts.failed++;
    if (step.outcome === 'failed' && step.disabled) await sendEmail(disabledEmail(step.disabled));
  }
  await continueAsNew<typeof webhookStream>(input);
  return counts;
}

/** The e-mail to an endpoint's admins when it was disabled; keyed, so it goes once. */
function disabledEmail(given: DisabledEndpoint) {
  // An attempt made before "company" answered organizationId.
  const d = withCompanyId(given);
  return {
    key: `webhook-${d.endpointId}/disabled-${d.at}`,
    companyId: d.companyId,
    memberId: d.memberId,
    to: 'webhook_admins' as const,
    template: 'webhook_disabled' as const,
    data: { endpointId: d.endpointId },
  };
}

/** `POST /v1/webhooks/{id}/test`: one attempt, answered to the caller; no retries. */
export async function webhookTestDelivery(input: { deliveryId: string }) {
  return attemptWebhookDelivery({ deliveryId: input.deliveryId, retryInMs: null, at: Date.now() });
}


// The retry schedule and the 5-day rule on Temporal's time-skipping server: days pass in seconds;
// the worker, PostgreSQL, SMTP and the receiver are real.
import test from 'ava';
import { createWebhookActivities } from '../activities/webhooks.ts';
import { recordAudit } from '../domain/audit.ts';
import { createEndpoint } from '../domain/webhooks/endpoints.ts';
import { createWebhookGateway } from '../domain/webhooks/gateway.ts';
import { createSecrets } from '../domain/secrets.ts';
import { webhookStreamWorkflowId } from '../contract/workflows.ts';
import { WEBHOOK_DISABLE_AFTER_MS, WEBHOOK_JITTER, WEBHOOK_RETRY_DELAYS_MS } from '../domain/webhooks/streams.ts';
import { recordHistory } from './helpers/lifecycle.ts';
import { fileScope, type Scope } from './helpers/scope.ts';
import { decodedJson, TEST_SECRET_KEY } from './helpers/temporal.ts';
import { timeSkippingWorld, type TimeSkippingWorld } from './helpers/time-skipping.ts';
import { webhookReceiver } from './helpers/webhook-receiver.ts';
import type { webhookStream } from '../workflows/webhooks.ts';

const scope = fileScope();
let shared: Promise<TimeSkippingWorld> | undefined;
const setup = () => (shared ??= timeSkippingWorld(scope));

async function world(t: Scope) {
  const { env, fixture: f } = await setup();
  const secrets = createSecrets(TEST_SECRET_KEY);
  const [org] = await f.orm.em.fork().execute<{ operator_id: string }[]>('select operator_id from organization where id = ?', [f.companyId]);
  const owner = { companyId: f.companyId, operatorId: org!.operator_id };
  const receiver = await webhookReceiver(t);
  receiver.answer({ status: 500, body: 'down for maintenance' });
  const endpoint = await createEndpoint({ em: f.orm.em.fork(), secrets, allowPrivate: true }, owner, { url: receiver.url, events: 'all' }, 'test');
  // The relay's step, run here so that it wakes the streams on the time-skipping server.
  const relay = createWebhookActivities({ orm: f.orm, secrets, webhooks: { allowPrivate: true, gateway: createWebhookGateway({ client: env.client, taskQueue: f.taskQueue }) } });
  const event = (memberId: string, to: 'user' | 'admin') =>
    recordAudit(f.orm.em.fork(), { companyId: f.companyId, memberId, actor: 'test', type: 'member.role_changed', data: { from: to === 'admin' ? 'user' : 'admin', to } });
  return { env, f, receiver, endpoint, relay, event };
}

const timers = async (handle: { fetchHistory(): Promise<{ events?: Array<{ timerStartedEventAttributes?: { startToFireTimeout?: { seconds?: unknown; nanos?: number | null } | null } | null }> | null }> }) =>
  ((await handle.fetchHistory()).events ?? [])
    .map((e) => e.timerStartedEventAttributes?.startToFireTimeout)
    .filter((d): d is NonNullable<typeof d> => Boolean(d))
    .map((d) => Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6));

test.serial('a failing receiver gets the first attempt, then retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (±10 %), all under one webhook-id; then the delivery is failed', async (t) => {
  const { env, f, receiver, endpoint, relay, event } = await world(t);
  await event(f.admin.memberId, 'admin');
  const relayAt = await env.currentTimeMs();
  t.like(await relay.relayWebhookEvents({ at: relayAt }), { inline: 1, woken: 1 }, 'the first attempt made by the relay, then the stream woken for the retries');
  const handle = env.client.workflow.getHandle<typeof webhookStream>(webhookStreamWorkflowId(endpoint.id, f.admin.memberId));
  t.deepEqual(await handle.result(), { delivered: 0, failed: 1 });
  t.is(receiver.received.length, 10, 'ten attempts');
  t.is(new Set(receiver.received.map((r) => r.id)).size, 1, 'one webhook-id on every attempt');
  const delays = (await timers(handle)).slice(0, WEBHOOK_RETRY_DELAYS_MS.length);
  // The first retry is due 5 s after the relay's attempt; the stream, started a moment later (more
  // on a loaded machine), waits what is left of it: its first step's time tells how much later.
  const firstStep = ((await handle.fetchHistory()).events ?? []).map((e) => e.activityTaskScheduledEventAttributes).find((a) => a?.activityType?.name === 'attemptNextWebhookDelivery');
  const streamAt = (await decodedJson<{ at: number }>(firstStep!.input!.payloads![0]!)).at;
  t.true(streamAt >= relayAt, 'the stream starts after the relay');
  delays[0] = delays[0]! + (streamAt - relayAt);
  t.is(delays.length, 9);
  delays.forEach((ms, i) => {
    const planned = WEBHOOK_RETRY_DELAYS_MS[i]!;
    t.true(ms >= planned * 0.9 && ms <= planned * 1.1, `retry ${i + 1}: ${ms} ms for ${planned} ms ±10 %`);
  });
  t.true(delays.some((ms, i) => ms !== WEBHOOK_RETRY_DELAYS_MS[i]), 'jittered');
  const hours = delays.reduce((a, b) => a + b, 0) / 3_600_000;
  t.true(hours > 68 && hours < 84, `about three days of retries (${hours.toFixed(1)} h)`);
  const [row] = await f.orm.em.fork().execute<{ status: string; attempts: number; last_status_code: number; last_response: string; next_attempt_at: Date | null }[]>(
    'select status, attempts, last_status_code, last_response, next_attempt_at from webhook_delivery where endpoint_id = ?', [endpoint.id]);
  t.like(row, { status: 'failed', attempts: 10, last_status_code: 500, last_response: 'down for maintenance', next_attempt_at: null });
  const [still] = await f.orm.em.fork().execute<{ enabled: boolean }[]>('select enabled from webhook_endpoint where id = ?', [endpoint.id]);
  t.true(still!.enabled, 'three days of failures do not disable it yet');
  await recordHistory(env.client, 'webhook-stream-retries', handle.workflowId);
});

test.serial('an endpoint failing everything for 5 days is disabled, what is left is marked failed, and its admins are e-mailed', async (t) => {
  const { env, f, receiver, endpoint, relay, event } = await world(t);
  // Two events of one member: the second is delivered only after the first gave up (order kept).
  await event(f.admin.memberId, 'admin');
  await event(f.admin.memberId, 'user');
  await relay.relayWebhookEvents({ at: await env.currentTimeMs() });
  const handle = env.client.workflow.getHandle<typeof webhookStream>(webhookStreamWorkflowId(endpoint.id, f.admin.memberId));
  t.deepEqual(await handle.result(), { delivered: 0, failed: 2 });
  const ids = [...new Set(receiver.received.map((r) => r.id))];
  t.is(ids.length, 2);
  const firstOfSecond = receiver.received.findIndex((r) => r.id === ids[1]);
  t.is(firstOfSecond, 10, 'the second event waited for the first one\'s ten attempts');
  const [row] = await f.orm.em.fork().execute<{ enabled: boolean; disabled_reason: string; disabled_at: Date; failing_since: Date }[]>(
    'select enabled, disabled_reason, disabled_at, failing_since from webhook_endpoint where id = ?', [endpoint.id]);
  t.like(row, { enabled: false, disabled_reason: 'failing' });
  const failedFor = new Date(row!.disabled_at).getTime() - new Date(row!.failing_since).getTime();
  // Disabled at the first attempt past 5 days: at most one (jittered) step of the schedule later.
  // A flat day was too tight: the last step is 24 h ± 10 %, and a run disabled at 6.05 days.
  const latest = WEBHOOK_DISABLE_AFTER_MS + Math.max(...WEBHOOK_RETRY_DELAYS_MS) * (1 + WEBHOOK_JITTER);
  t.true(failedFor >= WEBHOOK_DISABLE_AFTER_MS && failedFor <= latest, `disabled after ${(failedFor / 86_400_000).toFixed(2)} days of failures`);
  const statuses = await f.orm.em.fork().execute<{ status: string; last_error: string }[]>('select status, last_error from webhook_delivery where endpoint_id = ? order by created_at', [endpoint.id]);
  t.deepEqual(statuses.map((s) => s.status), ['failed', 'failed']);
  const mails = await f.waitForMails(f.admin.email, /Webhook (disabled|désactivé)/);
  t.regex(mails[0]!.text, new RegExp(receiver.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  t.regex(mails[0]!.text, /HTTP 500/);
  await recordHistory(env.client, 'webhook-stream-disabled', handle.workflowId);
});

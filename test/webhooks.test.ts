// Webhooks end to end: the API, a real worker on the Temporal dev server, PostgreSQL, and a real
// HTTP receiver that verifies every delivery with the `standardwebhooks` reference package.
import test from 'ava';
import { Webhook } from 'standardwebhooks';
import { createWebhookActivities } from '../activities/webhooks.ts';
import { isPublicAddress, guardedLookup } from '../domain/webhooks/address-guard.ts';
import { createEndpoint } from '../domain/webhooks/endpoints.ts';
import { retryAfterMs, sendWebhook, WEBHOOK_MAX_RESPONSE_BYTES, WEBHOOK_TIMEOUT_MS } from '../domain/webhooks/send.ts';
import { webhookEventFor } from '../domain/webhooks/events.ts';
import { WEBHOOK_DATA_SCHEMAS } from '../http/schemas/webhook-events.schema.ts';
import { createWebhookGateway } from '../domain/webhooks/gateway.ts';
import { webhookRelayWorkflowId, webhookStreamWorkflowId } from '../contract/workflows.ts';
import { recordHistory } from './helpers/lifecycle.ts';
import { createSecrets } from '../domain/secrets.ts';
import { DomainError } from '../domain/errors.ts';
import { loadConfig } from '../config/index.ts';
import { apiWorld, problemOf, tag, type ApiWorld } from './helpers/api.ts';
import { TEST_SECRET_KEY } from './helpers/temporal.ts';
import { temporalClient } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';
import { webhookReceiver, type ReceivedWebhook, type WebhookReceiver } from './helpers/webhook-receiver.ts';

interface Payload { type: string; timestamp: string; data: Record<string, any> }
const payload = (r: ReceivedWebhook) => JSON.parse(r.body) as Payload;
const forMember = (rs: ReceivedWebhook[], memberId: string) => rs.filter((r) => payload(r).data.member?.id === memberId);
const FORBIDDEN_KEYS = /^(password|pin|enrollmentPin|token|secret|nt_?password|code)$/i;
function keysOf(value: unknown, into: string[] = []): string[] {
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) { into.push(k); keysOf(v, into); }
  return into;
}

async function endpoint(w: ApiWorld, receiver: WebhookReceiver, body: Record<string, unknown> = {}, token = w.org.apiKey) {
  const created = await w.api.post('/v1/webhooks', { url: receiver.url, ...body }, { token });
  if (created.status !== 201) throw new Error(`webhook not created: ${created.status} ${created.text}`);
  return created.body as { id: string; secret: string };
}

async function stockCard(w: ApiWorld): Promise<string> {
  const made = await w.api.post(`/v1/sites/${w.org.siteId}/cards`, { cards: [{ number: `H${tag()}` }] }, { token: w.operatorKey });
  return made.body.items[0].number;
}

test('a company\'s endpoint hears a member\'s whole lifecycle in order, each delivery verified with standardwebhooks, matching its documented schema, with no secret inside', async (t) => {
  const w = await apiWorld(t);
  const receiver = await webhookReceiver(t);
  const created = await w.api.post('/v1/webhooks', { url: receiver.url, description: 'HR system' }, { token: w.org.apiKey });
  t.is(created.status, 201, created.text);
  t.regex(created.body.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  t.is(created.headers.get('cache-control'), 'no-store');
  t.like(created.body, { events: 'all', enabled: true, owner: 'company', companyId: w.org.companyId });
  const listed = await w.api.get('/v1/webhooks', { token: w.org.apiKey });
  t.deepEqual(listed.body.items.map((e: { id: string }) => e.id), [created.body.id]);
  t.false('secret' in listed.body.items[0], 'the secret is never answered again');

  const member = await w.member();
  const enrolled = await w.api.post(`/v1/members/${member.id}/cards`, { cardNumber: await stockCard(w) }, { token: w.org.apiKey });
  t.is(enrolled.status, 200, enrolled.text);
  t.is((await w.api.patch(`/v1/members/${member.id}`, { role: 'admin' }, { token: w.org.apiKey })).status, 200);
  t.is((await w.api.delete(`/v1/members/${member.id}`, { token: w.org.apiKey })).status, 202);

  const expected = ['member.invited', 'member.password_set', 'member.card_registered', 'member.active', 'member.role_changed', 'member.removed'];
  const got = await waitFor('the member\'s six events', () => {
    const mine = forMember(receiver.accepted(), member.id);
    return mine.length >= expected.length ? mine : undefined;
  }, { timeoutMs: 60_000 });
  t.deepEqual(got.map((r) => payload(r).type), expected, 'in the order they happened');
  const verifier = new Webhook(created.body.secret);
  for (const r of got) {
    const verified = verifier.verify(r.body, r.headers) as Payload;
    t.is(verified.type, payload(r).type);
    t.regex(r.signature, /^v1,[A-Za-z0-9+/=]+$/, 'one signature');
    t.notThrows(() => WEBHOOK_DATA_SCHEMAS[verified.type as keyof typeof WEBHOOK_DATA_SCHEMAS].data.parse(verified.data), `${verified.type} matches its schema`);
    t.deepEqual(keysOf(verified).filter((k) => FORBIDDEN_KEYS.test(k)), [], `${verified.type}: no secret, PIN, token or password`);
    t.like(verified.data, { company: { id: w.org.companyId }, member: { id: member.id, email: member.email } });
  }
  t.throws(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(got[0]!.body, got[0]!.headers), undefined, 'another secret does not verify');
  const removed = payload(got.at(-1)!).data;
  t.like(removed, { member: { status: 'removed' }, report: { card: { revoked: true }, wifi: { revoked: true } } });
  t.like(payload(got[4]!).data, { from: 'user', to: 'admin' });
  t.is(new Set(got.map((r) => r.id)).size, got.length, 'one webhook-id per event');

  // The receiver has the last event a moment before the attempt that sent it writes its outcome:
  // the log is read once it shows every delivery settled.
  type Logged = { type: string; memberId: string; status: string; attempts: number; lastStatusCode: number; eventId: string };
  const logged = await waitFor('the log to show every delivery settled', async () => {
    const log = await w.api.get(`/v1/webhooks/${created.body.id}/deliveries`, { token: w.org.apiKey });
    if (log.status !== 200) return undefined;
    const mine = (log.body.items as Logged[]).filter((d) => d.memberId === member.id);
    return mine.length === expected.length && mine.every((d) => d.status !== 'pending') ? mine : undefined;
  });
  t.deepEqual(logged.map((d) => d.type).reverse(), expected, 'the log, newest first');
  t.true(logged.every((d) => d.status === 'delivered' && d.attempts === 1 && d.lastStatusCode === 200), JSON.stringify(logged));
  t.deepEqual(logged.map((d) => d.eventId).sort(), got.map((r) => r.id).sort(), 'the log\'s event ids are the webhook-ids');

  const openapi = await (await fetch(`${w.appUrl}/openapi.json`)).json() as { webhooks: Record<string, { post: { requestBody: unknown } }> };
  for (const type of [...expected, 'member.scheduled', 'member.invitation_expired', 'member.card_overdue', 'import.finished', 'company.created', 'company.offboarded']) {
    t.truthy(openapi.webhooks[type]?.post.requestBody, `${type} is documented under webhooks`);
  }
});

test('receiver down then up: every event arrives once after, under the id of its failed attempt; Retry-After is honoured; the log shows each attempt', async (t) => {
  const w = await apiWorld(t);
  const receiver = await webhookReceiver(t);
  const hook = await endpoint(w, receiver, { events: ['member.invited'] });
  receiver.answer('drop');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const invited = await w.api.post('/v1/members', { email: `down-${tag()}@acme.test`, name: 'Down Town', locale: 'en' }, { token: w.org.apiKey });
    t.is(invited.status, 201, invited.text);
    ids.push(invited.body.id);
  }
  const failed = await waitFor('three refused first attempts', () => {
    const dropped = receiver.received.filter((r) => r.answered === 0);
    return new Set(dropped.map((r) => r.id)).size >= 3 ? dropped : undefined;
  }, { timeoutMs: 30_000 });
  receiver.answer({ status: 204 });
  const arrived = await waitFor('all three delivered after the 5-second retry', () => {
    const ok = receiver.accepted();
    return new Set(ok.map((r) => r.id)).size >= 3 ? ok : undefined;
  }, { timeoutMs: 40_000 });
  t.deepEqual(arrived.map((r) => r.id).sort(), [...new Set(failed.map((r) => r.id))].sort(), 'the same webhook-ids as the failed attempts');
  t.is(arrived.length, 3, 'each arrived once');
  t.deepEqual(arrived.map((r) => payload(r).data.member.id).sort(), [...ids].sort());
  for (const r of arrived) t.truthy(new Webhook(hook.secret).verify(r.body, r.headers));
  // The receiver has answered; the sender records its answer a moment after.
  const deliveries = async () => (await w.api.get(`/v1/webhooks/${hook.id}/deliveries`, { token: w.org.apiKey })).body.items as { status: string; attempts: number; lastStatusCode: number }[];
  const log = await waitFor('the three attempts recorded', async () => {
    const items = await deliveries();
    return items.every((d) => d.status !== 'pending') ? items : undefined;
  });
  t.is(log.length, 3);
  t.true(log.every((d) => d.status === 'delivered' && d.attempts === 2 && d.lastStatusCode === 204), JSON.stringify(log));
  // The endpoint recovered: no failure run is left on it.
  t.is((await w.api.get(`/v1/webhooks/${hook.id}`, { token: w.org.apiKey })).body.failingSince, null);
  const client = await temporalClient(t);
  await recordHistory(client, 'webhook-stream-down-up', webhookStreamWorkflowId(hook.id, ids[0]!));

  // 429 with Retry-After: 1 → the next attempt comes after about 1 s, not the schedule's 5 s.
  receiver.answer({ status: 429, headers: { 'retry-after': '1' } });
  const slow = await w.api.post('/v1/members', { email: `slow-${tag()}@acme.test`, name: 'Slow Down', locale: 'en' }, { token: w.org.apiKey });
  const first = await waitFor('a 429', () => receiver.received.find((r) => r.answered === 429));
  t.is(payload(first).data.member.id, slow.body.id);
  receiver.answer({ status: 200 });
  const second = await waitFor('the attempt after Retry-After', () => receiver.accepted().find((r) => r.id === first.id), { timeoutMs: 20_000 });
  const gap = second.at - first.at;
  t.true(gap >= 900 && gap < 4000, `Retry-After 1 s honoured (${gap} ms; the schedule would wait 4.5–5.5 s)`);
});

test('410 Gone disables the endpoint; a rotation signs with both secrets for the overlap; test events and manual retries', async (t) => {
  const w = await apiWorld(t);
  const receiver = await webhookReceiver(t);
  const hook = await endpoint(w, receiver, { events: ['member.invited'] });
  const company = { token: w.org.apiKey };

  // A test event: one attempt, answered.
  const tested = await w.api.post(`/v1/webhooks/${hook.id}/test`, undefined, company);
  t.is(tested.status, 200, tested.text);
  t.like(tested.body, { outcome: 'delivered', delivery: { type: 'webhook.test', status: 'delivered', attempts: 1, lastStatusCode: 200 } });
  t.like(new Webhook(hook.secret).verify(receiver.received.at(-1)!.body, receiver.received.at(-1)!.headers) as Payload, { type: 'webhook.test', data: { endpointId: hook.id } });
  receiver.answer({ status: 500, body: 'boom' });
  const failedTest = await w.api.post(`/v1/webhooks/${hook.id}/test`, undefined, company);
  t.like(failedTest.body, { outcome: 'failed', delivery: { status: 'failed', lastStatusCode: 500, lastResponse: 'boom', lastError: 'answered 500' } });
  // A redirect is a failure, not followed; a huge answer is read to 64 KB and logged to 2,000 characters.
  receiver.answer({ status: 302, headers: { location: 'https://elsewhere.example/' } });
  const redirected = await w.api.post(`/v1/webhooks/${hook.id}/test`, undefined, company);
  t.like(redirected.body, { outcome: 'failed', delivery: { lastStatusCode: 302, lastError: 'redirect (302): not followed' } });
  receiver.answer({ status: 200, body: 'x'.repeat(1024 * 1024) });
  const huge = await w.api.post(`/v1/webhooks/${hook.id}/test`, undefined, company);
  t.like(huge.body, { outcome: 'delivered', delivery: { lastStatusCode: 200 } });
  t.is(huge.body.delivery.lastResponse.length, 2000);
  receiver.answer({ status: 200 });
  const retried = await w.api.post(`/v1/webhooks/${hook.id}/deliveries/${failedTest.body.delivery.id}/retry`, undefined, company);
  t.is(retried.status, 202, retried.text);
  t.like(retried.body, { status: 'delivered', attempts: 2, lastStatusCode: 200 });
  t.is((await w.api.post(`/v1/webhooks/${hook.id}/deliveries/${failedTest.body.delivery.id}/retry`, undefined, company)).status, 409, 'a delivered one is not sent again');
  const client = await temporalClient(t);
  await recordHistory(client, 'webhook-test-delivery', `webhook-test-${failedTest.body.delivery.id}`);

  // Rotation: the next delivery carries two signatures; the old and the new secret both verify it.
  const rotated = await w.api.post(`/v1/webhooks/${hook.id}/rotate-secret`, undefined, company);
  t.is(rotated.status, 200, rotated.text);
  t.not(rotated.body.secret, hook.secret);
  const overlap = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
  t.true(overlap > 23.9 * 3_600_000 && overlap <= 24 * 3_600_000, 'the old secret signs for 24 h');
  const invited = await w.api.post('/v1/members', { email: `rot-${tag()}@acme.test`, name: 'Rota Tion', locale: 'en' }, company);
  const during = await waitFor('a delivery after the rotation', () => receiver.accepted().find((r) => payload(r).data.member?.id === invited.body.id));
  t.is(during.signature.split(' ').length, 2, 'the list form: one signature per secret');
  t.truthy(new Webhook(rotated.body.secret).verify(during.body, during.headers), 'the new secret verifies');
  t.truthy(new Webhook(hook.secret).verify(during.body, during.headers), 'the old secret verifies');
  // After the overlap, only the new one.
  await w.orm.em.fork().execute(`update webhook_endpoint set previous_secret_expires_at = now() - interval '1 second' where id = ?`, [hook.id]);
  const later = await w.api.post('/v1/members', { email: `rot2-${tag()}@acme.test`, name: 'Rota Later', locale: 'en' }, company);
  const after = await waitFor('a delivery after the overlap', () => receiver.accepted().find((r) => payload(r).data.member?.id === later.body.id));
  t.is(after.signature.split(' ').length, 1);
  t.truthy(new Webhook(rotated.body.secret).verify(after.body, after.headers));
  t.throws(() => new Webhook(hook.secret).verify(after.body, after.headers));

  // 410: disabled at once, nothing more is sent, and it says why.
  receiver.answer({ status: 410 });
  const gone = await w.api.post('/v1/members', { email: `gone-${tag()}@acme.test`, name: 'Gone Girl', locale: 'en' }, company);
  await waitFor('a 410', () => receiver.received.find((r) => r.answered === 410 && payload(r).data.member?.id === gone.body.id));
  const disabled = await waitFor('the endpoint disabled', async () => {
    const e = (await w.api.get(`/v1/webhooks/${hook.id}`, company)).body;
    return e.enabled === false ? e : undefined;
  });
  t.is(disabled.disabledReason, 'gone');
  const seen = receiver.received.length;
  const ignored = await w.api.post('/v1/members', { email: `ignored-${tag()}@acme.test`, name: 'Not Sent', locale: 'en' }, company);
  // The relay has handled the new event once it is fanned out (to no endpoint).
  await waitFor('the event relayed', async () => {
    const [row] = await w.orm.em.fork().execute<{ fanned_out_at: Date | null }[]>(`select fanned_out_at from webhook_event where member_id = ? and type = 'member.invited'`, [ignored.body.id]);
    return row?.fanned_out_at ? true : undefined;
  });
  t.is(receiver.received.length, seen, 'a disabled endpoint receives nothing');
  t.is(problemOf(await w.api.post(`/v1/webhooks/${hook.id}/deliveries/${failedTest.body.delivery.id}/retry`, undefined, company)).status, 409, 'no retry while disabled');
  t.is(problemOf(await w.api.post(`/v1/webhooks/${hook.id}/test`, undefined, company)).status, 409, 'no test event while disabled');
  const enabled = await w.api.patch(`/v1/webhooks/${hook.id}`, { enabled: true }, company);
  t.like(enabled.body, { enabled: true, disabledReason: null });
  const history = (await w.api.get('/v1/audit?limit=100', company)).body.items.map((e: { type: string }) => e.type);
  await recordHistory(client, 'webhook-relay', webhookRelayWorkflowId(w.taskQueue));
  for (const type of ['webhook.created', 'webhook.tested', 'webhook.delivery_retried', 'webhook.secret_rotated', 'webhook.disabled', 'webhook.updated']) t.true(history.includes(type), type);
});

test('the operator\'s endpoint hears every company and company.created; a company\'s does not; who may manage which; bad input is a clear 4xx with nothing written', async (t) => {
  const w = await apiWorld(t);
  const operatorReceiver = await webhookReceiver(t, '/operator');
  const companyReceiver = await webhookReceiver(t, '/company');
  const operator = { token: w.operatorKey };
  const company = { token: w.org.apiKey };
  const opHook = await endpoint(w, operatorReceiver, { owner: 'operator', events: ['company.created', 'member.invited'] }, w.operatorKey);
  await endpoint(w, companyReceiver, { events: 'all' });

  const name = `Globex ${tag()}`;
  const made = await w.api.post('/v1/companies', { name, siteIds: [w.org.siteId], admin: { email: `g-${tag()}@globex.test`, name: 'Gloria', locale: 'en' } }, operator);
  t.is(made.status, 201, made.text);
  const createdEvent = await waitFor('company.created', () => operatorReceiver.accepted().find((r) => payload(r).type === 'company.created'));
  t.like(payload(createdEvent).data, { company: { id: made.body.id, name }, siteIds: [w.org.siteId] });
  t.truthy(new Webhook(opHook.secret).verify(createdEvent.body, createdEvent.headers));
  const other = await w.api.post('/v1/members', { email: `op-${tag()}@globex.test`, name: 'Other Co', locale: 'en' }, { token: made.body.apiKey });
  t.is(other.status, 201, other.text);
  await waitFor('the other company\'s member.invited at the operator', () => operatorReceiver.accepted().find((r) => payload(r).data.member?.id === other.body.id));
  const mine = await w.api.post('/v1/members', { email: `co-${tag()}@acme.test`, name: 'Own Co', locale: 'en' }, company);
  await waitFor('the company\'s own member at its endpoint', () => companyReceiver.accepted().find((r) => payload(r).data.member?.id === mine.body.id));
  await waitFor('and at the operator\'s', () => operatorReceiver.accepted().find((r) => payload(r).data.member?.id === mine.body.id));
  t.false(companyReceiver.received.some((r) => payload(r).type.startsWith('company.') || payload(r).data.member?.id === other.body.id), 'a company hears only itself');
  t.false(operatorReceiver.received.some((r) => !['company.created', 'member.invited'].includes(payload(r).type)), 'only the events it chose');

  // Everything the operator hears about a company from its first import to its leaving.
  const allReceiver = await webhookReceiver(t, '/operator-all');
  const allHook = await endpoint(w, allReceiver, { owner: 'operator', events: 'all' }, w.operatorKey);
  const ahead = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
  const bulk = await w.api.post('/v1/members/bulk', { members: [{ email: `b1-${tag()}@globex.test` }, { email: `b2-${tag()}@globex.test`, startsOn: ahead }] }, { token: made.body.apiKey });
  t.is(bulk.status, 202, bulk.text);
  const onAll = () => allReceiver.accepted().filter((r) => new Webhook(allHook.secret).verify(r.body, r.headers) && payload(r).data.company?.id === made.body.id);
  const finished = await waitFor('import.finished', () => onAll().find((r) => payload(r).type === 'import.finished'), { timeoutMs: 30_000 });
  t.like(payload(finished).data, { import: { total: 2, created: 2, skipped: 0, failed: 0 } });
  const scheduled = await waitFor('member.scheduled', () => onAll().find((r) => payload(r).type === 'member.scheduled'));
  t.like(payload(scheduled).data, { member: { status: 'scheduled', startsOn: ahead } });
  await waitFor('the other one\'s member.invited', () => onAll().find((r) => payload(r).type === 'member.invited'));
  const leaving = await w.api.post(`/v1/companies/${made.body.id}/offboarding`, {}, operator);
  t.is(leaving.status, 202, leaving.text);
  const offboarded = await waitFor('company.offboarded', () => onAll().find((r) => payload(r).type === 'company.offboarded'), { timeoutMs: 60_000 });
  t.like(payload(offboarded).data, { company: { id: made.body.id, name } });
  t.true(onAll().filter((r) => payload(r).type === 'member.removed').length >= 3, 'its members\' removals too (the admin and the two imported)');
  t.is(onAll().filter((r) => payload(r).type === 'member.invited' && payload(r).data.member.startsOn === ahead).length, 0, 'the one known ahead was never invited');

  const count = async () => Number((await w.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from webhook_endpoint'))[0]!.n);
  const before = await count();
  const refusals: [string, Reply, number][] = [
    ['ftp URL', await w.api.post('/v1/webhooks', { url: 'ftp://hr.example.com/x' }, company), 400],
    ['credentials in the URL', await w.api.post('/v1/webhooks', { url: 'https://user:pw@hr.example.com/x' }, company), 400],
    ['not a URL', await w.api.post('/v1/webhooks', { url: 'hr system' }, company), 400],
    ['an unknown event', await w.api.post('/v1/webhooks', { url: companyReceiver.url, events: ['member.teleported'] }, company), 400],
    ['an operator event for a company', await w.api.post('/v1/webhooks', { url: companyReceiver.url, events: ['company.created'] }, company), 422],
    ['an unknown field', await w.api.post('/v1/webhooks', { url: companyReceiver.url, secret: 'mine' }, company), 400],
    ['a company asking for the operator\'s', await w.api.post('/v1/webhooks', { url: companyReceiver.url, owner: 'operator' }, company), 403],
    ['an operator key naming no company', await w.api.post('/v1/webhooks', { url: companyReceiver.url }, operator), 422],
  ];
  for (const [what, reply, status] of refusals) {
    t.is(reply.status, status, `${what}: ${reply.text}`);
    t.regex(reply.headers.get('content-type') ?? '', /problem\+json/, what);
  }
  t.is(await count(), before, 'nothing written');
  t.is((await w.api.patch(`/v1/webhooks/${opHook.id}`, {}, operator)).status, 400, 'a PATCH that changes nothing');
  t.is((await w.api.get(`/v1/webhooks/${opHook.id}`, company)).status, 404, 'the operator\'s endpoint is not the company\'s');
  t.is((await w.api.get(`/v1/webhooks/${opHook.id}?owner=operator`, company)).status, 403, 'a company key cannot ask for the operator\'s');
  t.is((await w.api.get('/v1/webhooks', { token: made.body.apiKey })).status, 401, 'the company that left: its keys are revoked');
  t.is((await w.api.get(`/v1/webhooks/${opHook.id}?owner=operator`, operator)).status, 200);
  const readKey = await w.api.post('/v1/api-keys', { name: 'reader', scopes: ['read'] }, { token: await w.adminSession() });
  t.is((await w.api.post('/v1/webhooks', { url: companyReceiver.url }, { token: readKey.body.secret })).status, 403, 'a read-only key cannot add one');
  t.is((await w.api.get('/v1/webhooks', { token: readKey.body.secret })).status, 200, 'but can list them');
  t.is((await w.api.delete(`/v1/webhooks/${opHook.id}?owner=operator`, operator)).status, 204);
  t.is((await w.api.get(`/v1/webhooks/${opHook.id}?owner=operator`, operator)).status, 404);
});

test('production: no delivery to loopback, private, link-local or metadata addresses — refused when the endpoint is made and again at every attempt, on the resolved address', async (t) => {
  t.is(loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.com', SECRET_KEY: TEST_SECRET_KEY }).webhooks.allowPrivate, false);
  t.is(loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.com', SECRET_KEY: TEST_SECRET_KEY, WEBHOOK_ALLOW_PRIVATE: '1' }).webhooks.allowPrivate, true);
  t.is(loadConfig({ NODE_ENV: 'development' }).webhooks.allowPrivate, true);
  for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.100.100.200', '0.0.0.0', '::1', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '224.0.0.1', '::7f00:1', '::127.0.0.1', '::a9fe:a9fe', '::a00:1', '::ffff:a9fe:a9fe']) {
    t.false(isPublicAddress(address), address);
  }
  for (const address of ['8.8.8.8', '93.184.215.14', '2606:4700:4700::1111', '::ffff:8.8.8.8', '::808:808']) t.true(isPublicAddress(address), address);
  const resolved = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup('localhost', {}, (error) => resolve(error)));
  t.is(resolved?.code, 'EBLOCKED', 'a name resolving to loopback is refused after the lookup');

  const w = await apiWorld(t);
  const secrets = createSecrets(TEST_SECRET_KEY);
  const owner = { companyId: w.org.companyId, operatorId: (await w.orm.em.fork().execute<{ operator_id: string }[]>('select operator_id from organization where id = ?', [w.org.companyId]))[0]!.operator_id };
  const production = { em: w.orm.em.fork(), secrets, allowPrivate: false };
  for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.5/', 'http://[::ffff:127.0.0.1]/', 'http://app.localhost/', 'http://[::127.0.0.1]/', 'http://[::a9fe:a9fe]/latest/meta-data']) {
    const error = await t.throwsAsync(createEndpoint(production, owner, { url, events: 'all' }, 'test'), { instanceOf: DomainError }, url);
    t.is(error?.code, 'webhook_url_private', url);
  }
  // An endpoint made while allowed, delivered to by a production worker: refused at the attempt.
  const receiver = await webhookReceiver(t);
  const hook = await endpoint(w, receiver, { events: ['member.invited'] });
  receiver.answer({ status: 500 });
  const invited = await w.api.post('/v1/members', { email: `prod-${tag()}@acme.test`, name: 'Prod Uction', locale: 'en' }, { token: w.org.apiKey });
  const [delivery] = await waitFor('the dev worker\'s first attempt, recorded', async () => {
    const rows = await w.orm.em.fork().execute<{ id: string }[]>(
      `select d.id from webhook_delivery d join webhook_event ev on ev.id = d.event_id where d.endpoint_id = ? and ev.member_id = ? and d.last_status_code = 500 and d.leased_until is null`,
      [hook.id, invited.body.id]);
    return rows.length ? rows : undefined;
  });
  const client = await temporalClient(t);
  const productionWorker = createWebhookActivities({ orm: w.orm, secrets, webhooks: { allowPrivate: false, gateway: createWebhookGateway({ client, taskQueue: w.taskQueue }) } });
  const seen = receiver.received.length;
  const outcome = await productionWorker.attemptWebhookDelivery({ deliveryId: delivery!.id, retryInMs: 5000, at: Date.now() });
  t.like(outcome, { outcome: 'retry', status: null });
  t.is(receiver.received.length, seen, 'nothing reached the receiver');
  const [row] = await w.orm.em.fork().execute<{ last_error: string; last_status_code: number | null }[]>('select last_error, last_status_code from webhook_delivery where id = ?', [delivery!.id]);
  t.regex(row!.last_error, /refused: 127\.0\.0\.1 is not a public address/);
  t.is(row!.last_status_code, null);
});

test('an attempt gives up on a receiver that never answers (the 15-second deadline, shortened here) and reads at most 64 KB', async (t) => {
  const receiver = await webhookReceiver(t);
  receiver.answer('hang');
  const started = performance.now();
  const silent = await sendWebhook(receiver.url, '{}', {}, { allowPrivate: true, timeoutMs: 300 });
  t.like(silent, { kind: 'failed', error: 'no answer within 0.3 s', blocked: false });
  t.true(performance.now() - started < 3000);
  t.is(WEBHOOK_TIMEOUT_MS, 15_000);
  receiver.answer({ status: 200, body: 'y'.repeat(5 * WEBHOOK_MAX_RESPONSE_BYTES) });
  const big = await sendWebhook(receiver.url, '{}', {}, { allowPrivate: true });
  t.like(big, { kind: 'answered', status: 200 });
  t.is(big.kind === 'answered' ? big.body.length : 0, WEBHOOK_MAX_RESPONSE_BYTES);
  t.is(retryAfterMs('120'), 120_000);
  t.is(retryAfterMs(new Date(Date.now() + 60_000).toUTCString()) !== undefined, true);
  t.is(retryAfterMs('soon'), undefined);
});

test('the outbox picks each webhook event\'s data field by field: nothing else of the audit event gets out', (t) => {
  t.deepEqual(webhookEventFor('card.registered', { method: 'pin', cardNumber: 'C1', pin: '*1234', result: { decision: 'enrolled', cardNumber: 'C1', cardId: 'x' } }), { type: 'member.card_registered', data: { card: { number: 'C1', method: 'pin' } } });
  t.deepEqual(webhookEventFor('invitation.issued', { tokenId: 'secret-token-id', expiresAt: '2026-12-09T10:00:00.000Z' }), { type: 'member.invited', data: { invitation: { expiresAt: '2026-12-09T10:00:00.000Z' } } });
  t.deepEqual(webhookEventFor('member.status_changed', { from: 'awaiting_card', to: 'active' })?.type, 'member.active');
  t.is(webhookEventFor('member.status_changed', { from: 'invited', to: 'invitation_expired' }), undefined, 'expiry has its own event');
  t.deepEqual(webhookEventFor('invitation.expired', { tokenId: 't' }), { type: 'member.invitation_expired', data: {}, memberStatus: 'invitation_expired' });
  t.deepEqual(webhookEventFor('card.overdue', { overdueAt: '2026-12-16T10:00:00.000Z' }), { type: 'member.card_overdue', data: { overdueAt: '2026-12-16T10:00:00.000Z' }, memberStatus: 'card_overdue' });
  t.like(webhookEventFor('member.invited', { email: 'a@b.test' }), { type: 'member.scheduled', whenMemberStatus: 'scheduled' });
  for (const type of ['account.signed_in', 'access.wifi_granted', 'card.enrollment_pin_revealed', 'email.sent', 'api_key.created', 'scim.request']) t.is(webhookEventFor(type, { password: 'x' }), undefined, type);
  const removed = webhookEventFor('member.removed', { report: { removedBy: 'member:1', reason: 'left', statusBefore: 'active', requestedAt: 'a', completedAt: 'b', card: { number: 'C1', revoked: true }, wifi: { revoked: true, disconnect: [{ client: 'AP', address: '10.0.0.2', port: 3799, sessions: 1, answer: 'ack', secret: 'nope' }] }, credentialsRevoked: 2, emails: { member: 1, admins: 1 }, email: 'x@y.test' } });
  t.deepEqual(removed?.data.report, { removedBy: 'member:1', reason: 'left', statusBefore: 'active', requestedAt: 'a', completedAt: 'b', card: { number: 'C1', revoked: true }, wifi: { revoked: true, disconnect: { points: 1, confirmed: 1, noSession: 0, silent: 0 } }, credentialsRevoked: 2 });
});

type Reply = Awaited<ReturnType<ApiWorld['api']['get']>>;

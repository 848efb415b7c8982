// What Temporal keeps of a person: a whole journey (invitation, password, PIN at the door, Wi-Fi,
// reset code, removal) and then every history of the run read with the stock CLI, as anyone with
// Temporal access would read it. None of the member's personal data may be there in clear; the
// codec endpoint gives it back to the operator's admins only.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { signDoorRequest } from '../domain/door/signatures.ts';
import { ENCRYPTED_ENCODING } from '../services/payload-codec.ts';
import { apiWorld, invitationToken, PASSWORD, problemOf, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { testEnv } from './helpers/env.ts';
import { fileScope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';

const run = promisify(execFile);
const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

/** What the payloads of a history printed by the CLI hold, as text. */
const payloadTexts = (json: string) => [...json.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join('\n');

async function temporalCli(args: string[]): Promise<unknown> {
  const cli = testEnv.temporalCli;
  if (!cli) throw new Error('npm test sets TEST_TEMPORAL_CLI');
  const { stdout } = await run(cli, [...args, '--address', testEnv.temporalAddress, '--namespace', 'default', '--output', 'json'], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

test('after a whole journey, no history Temporal holds names the member: e-mail, name, PIN, reset code, Wi-Fi password, tokens and reason are encrypted', async (t) => {
  const { api, org } = world;
  const startedAt = new Date(Date.now() - 1000).toISOString();
  const operator = { token: world.operatorKey };
  const company = { token: org.apiKey };
  const site = await world.newSite({ name: `Privacy ${tag()}` });
  t.is((await api.patch(`/v1/sites/${site.body.id}/wifi`, { ssid: `Privacy-${tag()}` }, operator)).status, 200);
  const door = (await api.post(`/v1/sites/${site.body.id}/door-controllers`, { name: `Door ${tag()}` }, operator)).body as { id: string; secret: string };
  const card = (await api.post(`/v1/sites/${site.body.id}/cards`, { cards: [{ number: `P${tag()}` }] }, operator)).body.items[0].number as string;

  const email = `zoe.privacy-${tag()}@acme.test`;
  const name = `Zoé Confidentielle ${tag()}`;
  const invited = await api.post('/v1/members', { email, name, siteId: site.body.id, locale: 'fr' }, company);
  t.is(invited.status, 201, invited.text);
  const memberId = invited.body.id as string;
  const invitation = await invitationToken(email);
  const session = (await api.post(`/v1/invitations/${encodeURIComponent(invitation)}/accept`, { password: PASSWORD })).body.token as string;

  await waitFor('the lifecycle to know the password', async () => (await api.get('/v1/me/card-enrollment', { token: session })).body.status === 'awaiting_card' || undefined);
  const pin = (await api.post('/v1/me/card-enrollment/confirm', undefined, { token: session })).body.pin as string;
  const raw = JSON.stringify({ type: 'pin_entered', pin, cardNumber: card, occurredAt: new Date().toISOString() });
  const atDoor = await api.call('POST', '/v1/door-events', { raw, headers: { 'Content-Type': 'application/json', 'X-Door-Controller': door.id, 'X-Signature': signDoorRequest(door.secret, raw) } });
  t.like(atDoor.body, { decision: 'enrolled' });
  const wifi = await waitFor('Wi-Fi credentials', async () => {
    const r = await api.get('/v1/me/wifi', { token: session });
    return r.status === 200 && r.body.password ? (r.body as { username: string; password: string }) : undefined;
  });

  t.is((await api.post('/v1/auth/password-reset', { email })).status, 202);
  const code = /\b(\d{6})\b/.exec((await waitForMail(email, /réinitialis|reset/i))[0]!.text)![1]!;
  const reset = await api.post('/v1/auth/password-reset/confirm', { email, code, password: 'une toute nouvelle phrase de passe' });
  t.is(reset.status, 200, reset.text);

  const reason = `départ pour raisons personnelles ${tag()}`;
  t.is((await api.delete(`/v1/members/${memberId}?reason=${encodeURIComponent(reason)}`, company)).status, 202);
  await waitFor('the offboarding to finish', async () => (await api.get(`/v1/members/${memberId}`, company)).body.status === 'removed' || undefined);

  // Every workflow this journey started or touched, each run read whole.
  const listed = (await temporalCli(['workflow', 'list', '--query', `StartTime >= "${startedAt}"`, '--limit', '2000'])) as { execution: { workflowId: string; runId: string } }[];
  const ids = new Set(listed.map((w) => w.execution.workflowId));
  t.true(ids.has(`member-${memberId}`), 'the member\'s lifecycle is among them');
  t.true([...ids].some((id) => id.startsWith('password-reset-')), 'so is the reset\'s workflow');
  const secrets = { email, name, pin, code, wifiPassword: wifi.password, invitation, session, reset: reset.body.token as string, reason };
  let encrypted = 0;
  for (const { execution } of listed) {
    const history = JSON.stringify(await temporalCli(['workflow', 'show', '--workflow-id', execution.workflowId, '--run-id', execution.runId]));
    // The CLI prints each payload's bytes in base64: what they hold is read too.
    const held = `${history}\n${payloadTexts(history)}`;
    for (const [what, value] of Object.entries(secrets)) {
      t.false(held.includes(value), `${execution.workflowId} shows the ${what} in clear`);
      t.false(history.includes(Buffer.from(value).toString('base64').slice(0, 12)), `${execution.workflowId} shows the ${what} in base64`);
    }
    encrypted += history.split(Buffer.from(ENCRYPTED_ENCODING).toString('base64')).length - 1;
  }
  t.true(encrypted > 20, `payloads are encrypted (${encrypted} seen)`);

  // The stock CLI pointed at the codec endpoint with an operator key reads them (docs/privacy.md).
  const decodedShow = JSON.stringify(await temporalCli(['workflow', 'show', '--workflow-id', `member-${memberId}`, '--codec-endpoint', `${world.appUrl}/codec`, '--codec-auth', `Bearer ${world.operatorKey}`]));
  t.true(payloadTexts(decodedShow).includes(reason), 'the operator reads the removal\'s reason through the codec');
  t.false(decodedShow.includes(Buffer.from(ENCRYPTED_ENCODING).toString('base64')), 'every payload decoded');

  // The Temporal UI reads them through the codec endpoint, for the operator's admins only.
  const described = (await temporalCli(['workflow', 'describe', '--workflow-id', `member-${memberId}`, '--raw'])) as Record<string, any>;
  const summary = described.executionConfig?.userMetadata?.summary;
  t.truthy(summary, 'the lifecycle has a summary');
  const decoded = await api.post('/codec/decode', { payloads: [summary] }, operator);
  t.is(decoded.status, 200, decoded.text);
  t.is(JSON.parse(Buffer.from(decoded.body.payloads[0].data, 'base64').toString()), `Lifecycle of member ${memberId}`, 'the summary names the member by id');
  t.is(problemOf(await api.post('/codec/decode', { payloads: [summary] }, company)).status, 403, 'a company\'s key is refused');
  t.is(problemOf(await api.post('/codec/decode', { payloads: [summary] }, { token: session })).status, 401, 'the member\'s session ended with the reset');
  t.is(problemOf(await api.post('/codec/decode', { payloads: [summary] })).status, 401);
});

test('the codec endpoint: CORS for the Temporal UI\'s origin only, clear 4xx for bad input, and encode then decode gives the payload back', async (t) => {
  const { api } = world;
  const operator = { token: world.operatorKey };
  const ui = 'http://127.0.0.1:8233';
  const preflight = await api.call('OPTIONS', '/codec/decode', { headers: { Origin: ui, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' } });
  t.is(preflight.status, 204);
  t.is(preflight.headers.get('access-control-allow-origin'), ui);
  t.is(preflight.headers.get('access-control-allow-credentials'), 'true');
  t.regex(preflight.headers.get('access-control-allow-headers') ?? '', /X-Namespace/i);
  const elsewhere = await api.call('OPTIONS', '/codec/decode', { headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
  t.is(elsewhere.headers.get('access-control-allow-origin'), null, 'no other origin is allowed');
  t.is(problemOf(await api.call('POST', '/codec/decode', { raw: '{"payloads":[]}', headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example', Authorization: `Bearer ${world.operatorKey}` } })).status, 403);

  const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify({ email: 'x@acme.test' })).toString('base64') };
  const encoded = await api.call('POST', '/codec/encode', { raw: JSON.stringify({ payloads: [plain] }), headers: { 'Content-Type': 'application/json', Origin: ui, Authorization: `Bearer ${world.operatorKey}` } });
  t.is(encoded.status, 200, encoded.text);
  t.is(encoded.headers.get('access-control-allow-origin'), ui);
  t.is(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString(), ENCRYPTED_ENCODING);
  t.false(Buffer.from(encoded.body.payloads[0].data, 'base64').toString('latin1').includes('x@acme.test'));
  const back = await api.post('/codec/decode', encoded.body, operator);
  t.deepEqual(back.body, { payloads: [plain] });
  t.deepEqual((await api.post('/codec/decode', { payloads: [plain] }, operator)).body, { payloads: [plain] }, 'an unencrypted payload passes through');

  t.deepEqual(problemOf(await api.post('/codec/decode', { payloads: 'nope' }, operator)), { status: 400, type: 'validation-failed', contentType: 'application/problem+json' });
  const tampered = structuredClone(encoded.body);
  tampered.payloads[0].data = Buffer.from('x'.repeat(40)).toString('base64');
  t.deepEqual(problemOf(await api.post('/codec/decode', tampered, operator)), { status: 422, type: 'undecodable-payload', contentType: 'application/problem+json' });
  t.is((await api.get('/codec/decode', operator)).status, 405);
});

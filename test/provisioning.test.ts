// HR's side of provisioning over REST and CSV: API keys admins manage (scopes, shown once,
// revoked at once), and start and end dates on invitations.
import test from 'ava';
import { apiWorld, problemOf, tag, type ApiWorld } from './helpers/api.ts';
import { query } from './helpers/database.ts';
import { fileScope } from './helpers/scope.ts';
import { temporalClient } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
let shared: Promise<ApiWorld> | undefined;
const world = () => (shared ??= apiWorld(scope));

test.serial('API keys: an admin makes one with scopes (secret shown once, stored hashed), it does only what they allow, and revoked it answers 401 at once', async (t) => {
  const w = await world();
  const admin = await w.adminSession();
  const made = await w.api.post('/v1/api-keys', { name: 'Payroll export', scopes: ['read'] }, { token: admin });
  t.is(made.status, 201, made.text);
  t.like(made.body, { name: 'Payroll export', owner: 'company', companyId: w.org.companyId, scopes: ['read'], createdBy: `member:${w.org.adminMemberId}`, lastUsedAt: null, revokedAt: null });
  t.regex(made.body.secret, /^mo_/);
  t.is(made.headers.get('cache-control'), 'no-store');
  const { rows } = await query<{ secret_hash: string }>(w.url, 'select secret_hash from api_key where id = $1', [made.body.id]);
  t.not(rows[0]!.secret_hash, made.body.secret);
  t.false(rows[0]!.secret_hash.includes(made.body.secret.slice(3)));

  // The listing never shows a secret again; org:create's key is there too, with every company scope.
  const listed = await w.api.get('/v1/api-keys', { token: admin });
  t.false(JSON.stringify(listed.body).includes(made.body.secret));
  const initial = listed.body.items.find((k: { name: string }) => k.name === 'Initial key');
  t.deepEqual(initial.scopes, ['members', 'read', 'scim']);

  // `read` reads and changes nothing.
  const key = made.body.secret as string;
  t.is((await w.api.get('/v1/members', { token: key })).status, 200);
  const refused = await w.api.post('/v1/members', { email: `x-${tag()}@acme.test` }, { token: key });
  t.like(problemOf(refused), { status: 403, type: 'insufficient-scope' });
  t.like(refused.body, { requiredScope: 'members' });
  t.is((await w.api.get('/scim/v2/Users', { token: key })).status, 403, 'no scim scope, no SCIM');
  await waitFor('last use recorded', async () => {
    const again = (await w.api.get('/v1/api-keys', { token: admin })).body.items.find((k: { id: string }) => k.id === made.body.id);
    return again.lastUsedAt ? true : undefined;
  });

  // Keys never make keys.
  t.like(problemOf(await w.api.post('/v1/api-keys', { name: 'Copy', scopes: ['members'] }, { token: w.org.apiKey })), { status: 403, type: 'people-only' });
  // A company key cannot hold the operator's scope.
  const tooMuch = await w.api.post('/v1/api-keys', { name: 'Hardware', scopes: ['companies'] }, { token: admin });
  t.like(problemOf(tooMuch), { status: 422 });
  t.like(problemOf(await w.api.post('/v1/api-keys', { name: 'No scope', scopes: [] }, { token: admin })), { status: 400 });

  const revoked = await w.api.delete(`/v1/api-keys/${made.body.id}`, { token: admin });
  t.is(revoked.status, 200);
  t.truthy(revoked.body.revokedAt);
  t.like(problemOf(await w.api.get('/v1/members', { token: key })), { status: 401 });

  const other = await w.newCompany();
  t.like(problemOf(await w.api.delete(`/v1/api-keys/${made.body.id}`, { token: await w.adminSession(other) })), { status: 404 }, "another company's admin cannot see it");
  const history = await query<{ type: string; actor: string }>(w.url, `select type, actor from audit_event where data->>'apiKeyId' = $1 order by id`, [made.body.id]);
  t.deepEqual(history.rows.map((r) => r.type), ['api_key.created', 'api_key.revoked']);
});

test.serial('API keys: the operator\'s admins make operator keys with `companies`; a company admin cannot', async (t) => {
  const w = await world();
  const operatorAdmin = await w.adminSession();
  const made = await w.api.post('/v1/api-keys', { name: 'Door provisioning', scopes: ['companies'], owner: 'operator' }, { token: operatorAdmin });
  t.is(made.status, 201, made.text);
  t.like(made.body, { owner: 'operator', companyId: null, scopes: ['companies'] });
  t.is((await w.api.get('/v1/sites', { token: made.body.secret })).status, 200);
  t.like(problemOf(await w.api.get('/v1/members', { token: made.body.secret })), { status: 403, type: 'insufficient-scope' });

  const other = await w.newCompany();
  const companyAdmin = await w.adminSession(other);
  t.like(problemOf(await w.api.post('/v1/api-keys', { name: 'Mine', scopes: ['companies'], owner: 'operator' }, { token: companyAdmin })), { status: 403 });
  t.like(problemOf(await w.api.get('/v1/api-keys?owner=operator', { token: companyAdmin })), { status: 403 });
  const listed = await w.api.get('/v1/api-keys?owner=operator', { token: operatorAdmin });
  t.true(listed.body.items.some((k: { id: string }) => k.id === made.body.id));
});

test('dates over REST and CSV: a member starting in two months is scheduled and hears nothing; bad dates are refused whole', async (t) => {
  const w = await world();
  const client = await temporalClient(scope);
  const later = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
  const email = `later-${tag()}@acme.test`;
  const invited = await w.api.post('/v1/members', { email, startsOn: later, endsAt: `${later.slice(0, 4)}-12-31T18:00:00+01:00` }, { token: w.org.apiKey });
  t.is(invited.status, 201, invited.text);
  t.like(invited.body, { status: 'scheduled', startsOn: later, endsOn: null, endsAt: `${later.slice(0, 4)}-12-31T17:00:00.000Z` });
  const detail = await w.api.get(`/v1/members/${invited.body.id}`, { token: w.org.apiKey });
  t.truthy(detail.body.lifecycle.schedule.invitationAt);
  // Once the lifecycle has nothing in progress (begun, no activity pending), nothing was sent: no link, no e-mail.
  const lifecycle = client.workflow.getHandle(`member-${invited.body.id}`);
  await waitFor('the lifecycle idle', async () => {
    const { raw } = await lifecycle.describe();
    return !raw.pendingWorkflowTask && !raw.pendingActivities?.length && raw.workflowExecutionInfo?.historyLength && Number(raw.workflowExecutionInfo.historyLength) > 3 ? true : undefined;
  });
  const sent = await query<{ tokens: string; mails: string }>(
    w.url,
    `select (select count(*) from auth_token where member_id = $1 and purpose = 'invitation') as tokens, (select count(*) from email_outbox where to_address = $2) as mails`,
    [invited.body.id, email],
  );
  t.deepEqual(sent.rows[0], { tokens: '0', mails: '0' });

  t.like(problemOf(await w.api.post('/v1/members', { email: `bad-${tag()}@acme.test`, startsOn: '2027-02-30' }, { token: w.org.apiKey })), { status: 400 });
  t.like(problemOf(await w.api.post('/v1/members', { email: `bad-${tag()}@acme.test`, startsOn: '2027-03-01', endsOn: '2027-02-01' }, { token: w.org.apiKey })), { status: 422 });
  t.like(problemOf(await w.api.post('/v1/members', { email: `bad-${tag()}@acme.test`, endsOn: '2027-03-01', endsAt: '2027-03-01T00:00:00Z' }, { token: w.org.apiKey })), { status: 400 });

  // PATCH re-plans: the start cleared, the invitation goes out now.
  const patched = await w.api.patch(`/v1/members/${invited.body.id}`, { startsOn: null }, { token: w.org.apiKey });
  t.is(patched.status, 200, patched.text);
  await waitFor('invited once the start is cleared', async () => ((await w.api.get(`/v1/members/${invited.body.id}`, { token: w.org.apiKey })).body.status === 'invited' ? true : undefined));

  // CSV: starts_on and ends_on columns; a bad date fails its row alone.
  const csv = `email,name,starts_on,ends_on\ncsv-${tag()}@acme.test,Ann,${later},\ncsv-${tag()}@acme.test,Bob,someday,\n`;
  const upload = await w.api.call('POST', '/v1/members/bulk', { token: w.org.apiKey, raw: csv, headers: { 'Content-Type': 'text/csv' } });
  t.is(upload.status, 202, upload.text);
  const done = await waitFor('import finished', async () => {
    const progress = await w.api.get(`/v1/imports/${upload.body.importId}`, { token: w.org.apiKey });
    return progress.body.status === 'finished' ? progress.body : undefined;
  });
  t.like(done, { created: 1, failed: 1 });
  const ann = await w.api.get(`/v1/members?q=Ann`, { token: w.org.apiKey });
  t.like(ann.body.items.find((m: { name: string }) => m.name === 'Ann'), { status: 'scheduled', startsOn: later });
});

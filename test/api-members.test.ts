// The HR / admin contract, end to end over HTTP: real app, real worker, real Temporal, PostgreSQL, SMTP.
import test from 'ava';
import { createHash, randomUUID } from 'node:crypto';
import { apiWorld, invitationToken, problemOf, tag, waitForMail, type ApiWorld, type Reply } from './helpers/api.ts';
import { fileScope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';
import { startApi } from './helpers/app.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

const problem = 'application/problem+json';

test('POST /v1/members invites: 201 with the member, the invitation e-mail, and a 409 naming them on a second try', async (t) => {
  const { api, org } = world;
  const email = `Alice.${tag()}@Acme.test`;
  const first = await api.post('/v1/members', { email, name: 'Alice Martin', role: 'user', siteId: org.siteId, locale: 'en' }, { token: org.apiKey });
  t.is(first.status, 201, first.text);
  t.like(first.body, { email: email.toLowerCase(), name: 'Alice Martin', role: 'user', locale: 'en', status: 'invited', siteId: org.siteId, reinvited: false });
  t.is(first.headers.get('location'), `/v1/members/${first.body.id}`);
  t.is(first.body.workflowId, `member-${first.body.id}`);
  await waitForMail(email.toLowerCase(), /invites you/);

  const again = await api.post('/v1/members', { email: email.toUpperCase(), siteId: org.siteId }, { token: org.apiKey });
  t.deepEqual(problemOf(again), { status: 409, type: 'member-exists', contentType: problem });
  t.is(again.body.memberId, first.body.id);
});

test('Idempotency-Key: the same request again gets the same answer and no second member; another body with that key is refused', async (t) => {
  const { api, org } = world;
  const key = randomUUID();
  const body = { email: `idem-${tag()}@acme.test`, siteId: org.siteId };
  const first = await api.post('/v1/members', body, { token: org.apiKey, headers: { 'Idempotency-Key': key } });
  const second = await api.post('/v1/members', body, { token: org.apiKey, headers: { 'Idempotency-Key': key } });
  t.is(first.status, 201);
  t.is(second.status, 201);
  t.deepEqual(second.body, first.body);
  t.is(second.headers.get('idempotent-replayed'), 'true');
  const listed = await api.get(`/v1/members?q=${encodeURIComponent(body.email)}`, { token: org.apiKey });
  t.is(listed.body.items.length, 1);

  const other = await api.post('/v1/members', { ...body, email: `other-${tag()}@acme.test` }, { token: org.apiKey, headers: { 'Idempotency-Key': key } });
  t.deepEqual(problemOf(other), { status: 422, type: 'idempotency-key-reused', contentType: problem });
  // A key is the company's own: another company may use the same one.
  const elsewhere = await world.newCompany();
  const theirs = await api.post('/v1/members', { email: body.email, siteId: elsewhere.siteId }, { token: elsewhere.apiKey, headers: { 'Idempotency-Key': key } });
  t.is(theirs.status, 201);
  t.not(theirs.body.id, first.body.id);
});

test('an invitation whose lifecycle could not start answers 503, and its retry with the same Idempotency-Key finishes it (not 409)', async (t) => {
  // A self-hosted Temporal server whose own PostgreSQL is restarting answers "namespace not found"
  // (the cluster drill found it); an API on a namespace that does not exist meets the same answer.
  const { org, orm, taskQueue } = world;
  const limping = await startApi(t, { orm, taskQueue, namespace: `restarting-${randomUUID()}` });
  const key = randomUUID();
  const body = { email: `ns-${tag()}@acme.test`, siteId: org.siteId, locale: 'en' };
  const failed = await fetch(`${limping.url}/v1/members`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${org.apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify(body),
  });
  t.is(failed.status, 503);
  t.is(failed.headers.get('content-type'), problem);
  t.is(((await failed.json()) as { type: string }).type, 'https://onboarding.example/problems/workflow-engine-unavailable');
  const [row] = await orm.em.fork().execute<{ id: string }[]>('select id from member where email = ?', [body.email]);
  t.truthy(row, 'the member row was written before the lifecycle failed to start');

  const retried = await world.api.post('/v1/members', body, { token: org.apiKey, headers: { 'Idempotency-Key': key } });
  t.is(retried.status, 201, retried.text);
  t.is(retried.body.id, row!.id);
  await waitForMail(body.email, /invites you/);
  // Another request (no key, or another key) for the same address is still a conflict.
  const other = await world.api.post('/v1/members', body, { token: org.apiKey, headers: { 'Idempotency-Key': randomUUID() } });
  t.deepEqual(problemOf(other), { status: 409, type: 'member-exists', contentType: problem });
});

test('Idempotency-Key: a claim left unanswered (its request died with the database) is taken over by the same request after a minute', async (t) => {
  const { org, orm, appUrl } = world;
  const body = JSON.stringify({ email: `claim-${tag()}@acme.test`, siteId: org.siteId });
  const hash = createHash('sha256').update(`POST /v1/members\napplication/json\n${body}`).digest('hex');
  const post = (key: string) => fetch(`${appUrl}/v1/members`, { method: 'POST', headers: { Authorization: `Bearer ${org.apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': key }, body });
  const claim = (key: string, age: string) =>
    orm.em.fork().execute(`insert into idempotency_record (id, organization_id, key, request_hash, created_at) values (gen_random_uuid(), ?, ?, ?, now() - ?::interval)`, [org.companyId, key, hash, age]);
  const recent = randomUUID();
  await claim(recent, '5 seconds');
  const busy = await post(recent);
  t.is(busy.status, 409, 'a claim younger than a minute may still be answered by its own request');
  t.is(((await busy.json()) as { type: string }).type, 'https://onboarding.example/problems/idempotency-request-in-progress');
  t.is(busy.headers.get('retry-after'), '1');

  const abandoned = randomUUID();
  await claim(abandoned, '2 minutes');
  const taken = await post(abandoned);
  t.is(taken.status, 201, await taken.clone().text());
  const replay = await post(abandoned);
  t.is(replay.status, 201);
  t.is(replay.headers.get('idempotent-replayed'), 'true', 'the taken-over claim now holds its answer');
  t.is(((await replay.json()) as { id: string }).id, ((await taken.json()) as { id: string }).id);
});

test('GET /v1/members filters by status, searches, and pages with a cursor without gaps or repeats', async (t) => {
  const { api } = world;
  const org = await world.newCompany();
  const marker = tag();
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await api.post('/v1/members', { email: `page-${marker}-${i}@acme.test`, name: `Page ${i}` }, { token: org.apiKey });
    ids.push(r.body.id);
  }
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r: Reply = await api.get(`/v1/members?q=${marker}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: org.apiKey });
    t.is(r.status, 200);
    seen.push(...r.body.items.map((m: { id: string }) => m.id));
    cursor = r.body.nextCursor;
    pages++;
  } while (cursor);
  t.is(pages, 3);
  t.deepEqual(seen, [...ids].reverse(), 'newest first, each once');

  const invited = await api.get('/v1/members?status=invited', { token: org.apiKey });
  t.true(invited.body.items.every((m: { status: string }) => m.status === 'invited'));
  t.true(invited.body.items.length >= 5);
  const none = await api.get('/v1/members?status=active,removed', { token: org.apiKey });
  t.deepEqual(none.body.items, []);
  t.deepEqual(problemOf(await api.get('/v1/members?status=sleeping', { token: org.apiKey })), { status: 400, type: 'validation-failed', contentType: problem });
  t.deepEqual(problemOf(await api.get('/v1/members?cursor=garbage', { token: org.apiKey })), { status: 400, type: 'cursor-invalid', contentType: problem });
});

test('an admin registers a card, changes the role, resends the invitation; removal revokes the card and the history tells it all', async (t) => {
  const { api, org } = world;
  const cards = await api.post(`/v1/sites/${org.siteId}/cards`, { cards: [{ number: `N${tag()}` }, { number: `N${tag()}` }] }, { token: world.operatorKey });
  t.is(cards.status, 201, cards.text);
  const [card, spare] = cards.body.items;
  t.regex(card.qr, /^[\w-]{20,}$/, 'a printable QR payload was generated');

  const m = await world.member();
  const registered = await api.post(`/v1/members/${m.id}/cards`, { cardNumber: card.number }, { token: org.apiKey });
  t.deepEqual(registered.body, { decision: 'enrolled', reason: null, cardNumber: card.number, access: 'granted' });
  const taken = await api.post(`/v1/members/${(await world.member()).id}/cards`, { cardNumber: card.number }, { token: org.apiKey });
  t.deepEqual(taken.body, { decision: 'rejected', reason: 'card_already_assigned', cardNumber: card.number, access: null });

  const detail = await waitFor('the member active', async () => {
    const r: Reply = await api.get(`/v1/members/${m.id}`, { token: org.apiKey });
    return r.body.status === 'active' ? r : undefined;
  });
  t.like(detail.body, { card: { number: card.number, state: 'assigned', accessGranted: true }, lifecycle: { status: 'active', card: { method: 'admin', pin: null } } });

  const promoted = await api.patch(`/v1/members/${m.id}`, { role: 'admin' }, { token: org.apiKey });
  t.is(promoted.status, 200);
  t.is(promoted.body.role, 'admin');
  t.deepEqual(problemOf(await api.patch(`/v1/members/${m.id}`, { role: 'owner' }, { token: org.apiKey })), { status: 400, type: 'validation-failed', contentType: problem });

  const replaced = await api.post(`/v1/members/${m.id}/cards`, { cardNumber: spare.number, replace: true }, { token: org.apiKey });
  t.is(replaced.body.decision, 'enrolled');

  const resend = await api.post(`/v1/members/${m.id}/invitation/resend`, undefined, { token: org.apiKey });
  t.deepEqual(problemOf(resend), { status: 409, type: 'password-already-set', contentType: problem });

  const removed = await api.delete(`/v1/members/${m.id}?reason=left%20the%20company`, { token: org.apiKey });
  t.is(removed.status, 202, removed.text);
  t.deepEqual(removed.body, { id: m.id, status: 'removed' });
  t.is((await api.get(`/v1/members/${m.id}`, { token: org.apiKey })).body.status, 'removed');

  const history = await waitFor('the offboarding in the history', async () => {
    const r = await api.get(`/v1/members/${m.id}/history`, { token: org.apiKey });
    return r.body.items.some((e: { type: string }) => e.type === 'member.removed') ? r.body.items : undefined;
  });
  const types = history.map((e: { type: string }) => e.type);
  for (const step of ['member.invited', 'account.password_created', 'card.registered', 'access.card_granted', 'member.role_changed', 'card.replaced', 'member.removal_requested', 'access.card_revoked', 'access.wifi_revoked', 'member.removed']) {
    t.true(types.includes(step), `${step} in ${types.join(', ')}`);
  }
  t.deepEqual(history.map((e: { id: number }) => e.id), [...history.map((e: { id: number }) => e.id)].sort((a: number, b: number) => a - b), 'oldest first');
  t.true(history.find((e: { type: string }) => e.type === 'member.invited').actor.startsWith('api-key:'));

  const after = await api.get(`/v1/members/${m.id}`, { token: org.apiKey });
  t.like(after.body, { status: 'removed', card: { number: spare.number, state: 'revoked', accessGranted: false }, lifecycle: null });

  const audit = await api.get(`/v1/audit?memberId=${m.id}&type=access.`, { token: org.apiKey });
  t.true(audit.body.items.length >= 2);
  t.true(audit.body.items.every((e: { type: string }) => e.type.startsWith('access.')));
  const csv = await api.get(`/v1/audit?memberId=${m.id}&format=csv`, { token: org.apiKey });
  t.regex(csv.headers.get('content-type')!, /^text\/csv/);
  const lines = csv.text.trim().split('\n');
  t.is(lines[0], 'id,occurred_at,type,actor,member_id,workflow_id,workflow_run_id,data,chain,seq,operator_id,data_sha256,redacted,personal,personal_salt,personal_digest,prev_hash,hash');
  t.is(lines.length, history.length + 1);
});

test('the last admin is neither removed nor demoted over the API; with a second admin they can be', async (t) => {
  const { api } = world;
  const org = await world.newCompany();
  const session = await world.adminSession(org);
  t.deepEqual(problemOf(await api.patch(`/v1/members/${org.adminMemberId}`, { role: 'user' }, { token: org.apiKey })), { status: 409, type: 'last-admin', contentType: problem });
  t.deepEqual(problemOf(await api.delete(`/v1/members/${org.adminMemberId}`, { token: session })), { status: 409, type: 'last-admin', contentType: problem });
  const second = await api.post('/v1/members', { email: `second-${tag()}@acme.test`, role: 'admin' }, { token: org.apiKey });
  t.is(second.status, 201);
  const demoted = await api.patch(`/v1/members/${org.adminMemberId}`, { role: 'user' }, { token: org.apiKey });
  t.is(demoted.status, 200, demoted.text);
  t.is(demoted.body.role, 'user');
  // Demoted, the same session no longer opens admin routes.
  t.deepEqual(problemOf(await api.get('/v1/members', { token: session })), { status: 403, type: 'forbidden', contentType: problem });
});

test('auth: no key, a wrong key, a member session on admin routes, and another company\'s ids', async (t) => {
  const { api, org } = world;
  const none = await api.get('/v1/members');
  t.deepEqual(problemOf(none), { status: 401, type: 'unauthenticated', contentType: problem });
  t.is(none.headers.get('www-authenticate'), 'Bearer');
  t.deepEqual(problemOf(await api.get('/v1/members', { token: 'mo_not-a-key' })), { status: 401, type: 'invalid-credentials', contentType: problem });
  t.deepEqual(problemOf(await api.get('/v1/members', { headers: { Authorization: 'Basic abc' } })), { status: 401, type: 'unauthenticated', contentType: problem });

  const user = await world.member();
  t.deepEqual(problemOf(await api.get('/v1/members', { token: user.token })), { status: 403, type: 'forbidden', contentType: problem });
  t.deepEqual(problemOf(await api.delete(`/v1/members/${user.id}`, { token: user.token })), { status: 403, type: 'forbidden', contentType: problem });
  t.deepEqual(problemOf(await api.post('/v1/sites', { name: 'Nope' }, { token: user.token })), { status: 403, type: 'forbidden', contentType: problem });
  // An API key is not a member.
  t.deepEqual(problemOf(await api.get('/v1/me', { token: org.apiKey })), { status: 403, type: 'forbidden', contentType: problem });

  const admin = await world.adminSession();
  const asAdmin = await api.get(`/v1/members/${user.id}`, { token: admin });
  t.is(asAdmin.status, 200);
  const invitedByAdmin = await api.post('/v1/members', { email: `by-admin-${tag()}@acme.test` }, { token: admin });
  t.is(invitedByAdmin.status, 201, invitedByAdmin.text);
  const history = await api.get(`/v1/members/${invitedByAdmin.body.id}/history`, { token: admin });
  t.is(history.body.items[0].actor, `member:${org.adminMemberId}`);

  const other = await world.newCompany();
  for (const [method, path] of [
    ['GET', `/v1/members/${user.id}`],
    ['PATCH', `/v1/members/${user.id}`],
    ['DELETE', `/v1/members/${user.id}`],
    ['GET', `/v1/members/${user.id}/history`],
    ['POST', `/v1/members/${user.id}/invitation/resend`],
    ['POST', `/v1/members/${user.id}/cards`],
    ['GET', `/v1/sites/${org.siteId}`],
    ['POST', `/v1/sites/${org.siteId}/door-controllers`],
    ['POST', `/v1/sites/${org.siteId}/cards`],
  ] as const) {
    const body = method === 'PATCH' ? { role: 'admin' } : path.endsWith('/cards') && path.includes('members') ? { cardNumber: 'X1' } : path.endsWith('/cards') ? { cards: [{ number: 'X1' }] } : path.endsWith('controllers') ? { name: 'x' } : undefined;
    const reply = await api.call(method, path, { token: other.apiKey, ...(body ? { body } : {}) });
    // A site's hardware is the operator's: no company writes it (403); the rest is not found.
    t.is(reply.status, path.includes('/v1/sites/') && method === 'POST' ? 403 : 404, `${method} ${path} from another company: ${reply.text}`);
  }
  const theirList = await api.get('/v1/members', { token: other.apiKey });
  t.false(theirList.body.items.some((m: { id: string }) => m.id === user.id));
  t.not((await api.get(`/v1/members/${user.id}`, { token: org.apiKey })).body.status, 'removed', 'the other company\'s DELETE changed nothing');
});

test('sites: create, list, door controllers with a secret shown once, card stock all-or-nothing', async (t) => {
  const { api } = world;
  const org = await world.newCompany();
  const site = await world.newSite({ name: 'Lyon Part-Dieu', timeZone: 'Europe/Paris', wifiSsid: 'Acme-Lyon' }, org);
  t.is(site.status, 201, site.text);
  t.like(site.body, { name: 'Lyon Part-Dieu', timeZone: 'Europe/Paris', wifiSsid: 'Acme-Lyon', accessListVersion: 0 });
  t.deepEqual(problemOf(await api.post('/v1/sites', { name: 'Lyon Part-Dieu' }, { token: world.operatorKey })), { status: 409, type: 'site-exists', contentType: problem });
  t.deepEqual(problemOf(await api.post('/v1/sites', { name: 'X', timeZone: 'Mars/Olympus' }, { token: world.operatorKey })), { status: 400, type: 'validation-failed', contentType: problem });
  const sites = await api.get('/v1/sites', { token: org.apiKey }); // the company sees the site granted to it
  t.deepEqual(sites.body.items.map((s: { id: string }) => s.id).sort(), [site.body.id, org.siteId].sort());

  const controller = await api.post(`/v1/sites/${site.body.id}/door-controllers`, { name: 'Main entrance' }, { token: world.operatorKey });
  t.is(controller.status, 201);
  t.regex(controller.body.secret, /^dcs_[\w-]{40,}$/);
  t.is(controller.headers.get('cache-control'), 'no-store');
  const listed = await api.get(`/v1/sites/${site.body.id}/door-controllers`, { token: world.operatorKey });
  t.deepEqual(listed.body.items.map((c: { id: string }) => c.id), [controller.body.id]);
  t.false(JSON.stringify(listed.body).includes(controller.body.secret), 'the secret is never shown again');
  const [stored] = await world.orm.em.fork().execute<{ secret_ciphertext: string }[]>('select secret_ciphertext from door_controller where id = ?', [controller.body.id]);
  t.false(stored!.secret_ciphertext.includes(controller.body.secret.slice(4)), 'stored encrypted');

  const number = `L${tag()}`;
  const added = await api.post(`/v1/sites/${site.body.id}/cards`, { cards: [{ number, qr: `printed-${number}` }] }, { token: world.operatorKey });
  t.deepEqual(added.body.items.map((c: { number: string; qr: string; state: string }) => [c.number, c.qr, c.state]), [[number, `printed-${number}`, 'stock']]);
  const clash = await api.post(`/v1/sites/${site.body.id}/cards`, { cards: [{ number: `L${tag()}` }, { number }] }, { token: world.operatorKey });
  t.deepEqual(problemOf(clash), { status: 409, type: 'card-exists', contentType: problem });
  t.deepEqual(clash.body.numbers, [number]);
  const stock = await api.get(`/v1/sites/${site.body.id}/cards?state=stock`, { token: world.operatorKey });
  t.is(stock.body.items.length, 1, 'nothing of the refused request was added');
  t.deepEqual(problemOf(await api.post(`/v1/sites/${site.body.id}/cards`, { cards: [{ number: 'a' }, { number: 'a' }] }, { token: world.operatorKey })), { status: 400, type: 'card-number-repeated', contentType: problem });

  // A QR payload is unique within its site: another company printing the same one learns nothing.
  t.is(added.body.items[0].qr.length >= 16, true);
  const sameSite = await api.post(`/v1/sites/${site.body.id}/cards`, { cards: [{ number: `L${tag()}`, qr: `printed-${number}` }] }, { token: world.operatorKey });
  t.deepEqual(problemOf(sameSite), { status: 409, type: 'card-qr-exists', contentType: problem });
  const other = await world.newCompany();
  const elsewhere = await api.post(`/v1/sites/${other.siteId}/cards`, { cards: [{ number: `L${tag()}`, qr: `printed-${number}` }] }, { token: world.operatorKey });
  t.is(elsewhere.status, 201, elsewhere.text);
  t.deepEqual(problemOf(await api.post(`/v1/sites/${site.body.id}/cards`, { cards: [{ number: `L${tag()}`, qr: 'QR-1' }] }, { token: world.operatorKey })), { status: 400, type: 'validation-failed', contentType: problem }, 'a guessable payload is refused');
  const generated = await api.post(`/v1/sites/${site.body.id}/cards`, { cards: [{ number: `L${tag()}` }] }, { token: world.operatorKey });
  t.regex(generated.body.items[0].qr, /^[\w-]{24}$/, '144 random bits');
});

test('an invitation whose lifecycle never started (Temporal was down) is started by the HR system\'s retry, which still hears 409', async (t) => {
  const { api, org } = world;
  const email = `lost-${tag()}@acme.test`;
  // What a commit followed by an unreachable Temporal leaves: the row, no workflow.
  const [row] = await world.orm.em.fork().execute<{ id: string }[]>(
    `insert into member (id, organization_id, site_id, email, name, role, locale, status, created_at, updated_at)
     values (gen_random_uuid(), ?, ?, ?, 'Lost Start', 'user', 'en', 'invited', now(), now()) returning id`,
    [org.companyId, org.siteId, email],
  );
  t.is((await api.get(`/v1/members/${row!.id}`, { token: org.apiKey })).body.lifecycle, null);
  const retry = await api.post('/v1/members', { email }, { token: org.apiKey });
  t.deepEqual(problemOf(retry), { status: 409, type: 'member-exists', contentType: problem });
  t.is(retry.body.memberId, row!.id);
  await waitForMail(email, /invites you/);
  t.like((await api.get(`/v1/members/${row!.id}`, { token: org.apiKey })).body.lifecycle, { status: 'invited' });
});

test("the company's colour and logo: checked when set, and in the header of the next e-mail", async (t) => {
  const { api } = world;
  const org = await world.newCompany();
  t.like((await api.get('/v1/organization', { token: org.apiKey })).body, { id: org.companyId, brandColor: '#1d4ed8', logoUrl: null });

  const badColour = await api.patch('/v1/organization', { brandColor: 'red' }, { token: org.apiKey });
  t.deepEqual(problemOf(badColour), { status: 400, type: 'validation-failed', contentType: problem });
  t.deepEqual(badColour.body.errors.map((e: { path: string }) => e.path), ['brandColor']);
  const plainHttpLogo = await api.patch('/v1/organization', { logoUrl: 'http://example.org/logo.png' }, { token: org.apiKey });
  t.deepEqual(problemOf(plainHttpLogo), { status: 400, type: 'validation-failed', contentType: problem });
  t.deepEqual(plainHttpLogo.body.errors.map((e: { path: string }) => e.path), ['logoUrl']);
  t.like((await api.get('/v1/organization', { token: org.apiKey })).body, { brandColor: '#1d4ed8' }, 'a refused change changes nothing');

  const logoUrl = 'https://cdn.example.org/acme.png';
  const changed = await api.patch('/v1/organization', { brandColor: '#FFD500', logoUrl }, { token: org.apiKey });
  t.is(changed.status, 200, changed.text);
  t.like(changed.body, { brandColor: '#ffd500', logoUrl });

  const email = `brand-${tag()}@acme.test`;
  t.is((await api.post('/v1/members', { email, siteId: org.siteId }, { token: org.apiKey })).status, 201);
  const [mail] = await waitForMail(email, /vous invite/);
  t.true(mail!.html!.includes(`src="${logoUrl}"`), 'the logo');
  t.true(mail!.html!.includes('#ffd500'), 'the colour');

  const history = await api.get('/v1/audit?type=organization.updated', { token: org.apiKey });
  t.deepEqual(history.body.items.map((e: { data: unknown }) => e.data), [{ brandColor: '#ffd500', logoUrl }]);
});

test('an admin corrects a member: name, language, site; a new address before the password gets a fresh invitation and the old link dies; all audited', async (t) => {
  const { api } = world;
  // A company of its own: a second site would make the other tests' invitations name theirs.
  const org = await world.newCompany();
  const lyon = await world.newSite({ name: `Lyon ${tag()}`, wifiSsid: 'Lyon-Guest' }, org);
  const email = `typo-${tag()}@acme.tset`;
  const invited = await api.post('/v1/members', { email, name: 'Jon Smiht', locale: 'fr', siteId: org.siteId }, { token: org.apiKey });
  t.is(invited.status, 201, invited.text);
  const oldToken = await invitationToken(email);

  const fixed = `fixed-${tag()}@acme.test`;
  const patched = await api.patch(`/v1/members/${invited.body.id}`, { name: 'John Smith', email: fixed, locale: 'en', siteId: lyon.body.id }, { token: org.apiKey });
  t.is(patched.status, 200, patched.text);
  t.like(patched.body, { name: 'John Smith', email: fixed, locale: 'en', siteId: lyon.body.id });
  const newToken = await invitationToken(fixed);
  t.not(newToken, oldToken);
  t.is((await api.get(`/v1/invitations/${encodeURIComponent(oldToken)}`)).status, 410, 'the link sent to the typo is dead');
  t.is((await api.get(`/v1/invitations/${encodeURIComponent(newToken)}`)).status, 200);

  const history = await api.get(`/v1/members/${invited.body.id}/history`, { token: org.apiKey });
  const updated = history.body.items.find((e: { type: string }) => e.type === 'member.updated');
  t.deepEqual(updated.data.changes, { name: { from: 'Jon Smiht', to: 'John Smith' }, email: { from: email, to: fixed }, locale: { from: 'fr', to: 'en' } });
  t.truthy(history.body.items.find((e: { type: string; data: { to?: string } }) => e.type === 'member.site_changed' && e.data.to === lyon.body.id));

  // Another member's address is refused, naming them; a removed member cannot be edited.
  const other = await api.post('/v1/members', { email: `other-${tag()}@acme.test`, siteId: org.siteId }, { token: org.apiKey });
  const clash = await api.patch(`/v1/members/${invited.body.id}`, { email: other.body.email }, { token: org.apiKey });
  t.deepEqual(problemOf(clash), { status: 409, type: 'member-exists', contentType: problem });
  t.is(clash.body.memberId, other.body.id);
  t.deepEqual(problemOf(await api.patch(`/v1/members/${invited.body.id}`, {}, { token: org.apiKey })), { status: 400, type: 'validation-failed', contentType: problem });
  t.deepEqual(problemOf(await api.patch(`/v1/members/${invited.body.id}`, { siteId: crypto.randomUUID() }, { token: org.apiKey })), { status: 422, type: 'site-not-found', contentType: problem });
});

test('a site is renamed, moved to another time zone and given its Wi-Fi network name, audited; another company cannot', async (t) => {
  const { api } = world;
  const org = await world.newCompany();
  const site = await world.newSite({ name: `Nice ${tag()}` }, org);
  const renamed = `Nice Port ${tag()}`;
  const patched = await api.patch(`/v1/sites/${site.body.id}`, { name: renamed, timeZone: 'Europe/Lisbon', wifiSsid: 'Nice-Members' }, { token: world.operatorKey });
  t.is(patched.status, 200, patched.text);
  t.like(patched.body, { name: renamed, timeZone: 'Europe/Lisbon', wifiSsid: 'Nice-Members' });
  t.deepEqual(problemOf(await api.patch(`/v1/sites/${site.body.id}`, { timeZone: 'Mars/Olympus' }, { token: world.operatorKey })), { status: 400, type: 'validation-failed', contentType: problem });
  const audit = await api.get(`/v1/audit?type=site.updated`, { token: world.operatorKey });
  t.truthy(audit.body.items.find((e: { data: { siteId: string; changes: Record<string, unknown> } }) => e.data.siteId === site.body.id && 'wifiSsid' in e.data.changes));
  const other = await world.newCompany();
  t.is((await api.patch(`/v1/sites/${site.body.id}`, { name: 'Mine now' }, { token: other.apiKey })).status, 403, 'a company never writes a site');
  t.is((await api.patch(`/v1/sites/${site.body.id}`, { name: 'Mine now' }, { token: org.apiKey })).status, 403, 'not even one granted to it');
});

test('uploading the team file again does not re-invite someone an admin removed, unless the row or the request says reinvite', async (t) => {
  const { api } = world;
  const org = await world.newCompany();
  const gone = `gone-${tag()}@acme.test`;
  const kept = `kept-${tag()}@acme.test`;
  const csv = `email,name\n${gone},Gone Person\n${kept},Kept Person\n`;
  const upload = async (body: string, query = '') => {
    const accepted = await api.call('POST', `/v1/members/bulk${query}`, { raw: body, headers: { Authorization: `Bearer ${org.apiKey}`, 'Content-Type': 'text/csv' } });
    t.is(accepted.status, 202, accepted.text);
    return waitFor('the import to finish', async () => {
      const r = await api.get(`/v1/imports/${accepted.body.importId}`, { token: org.apiKey });
      return r.body.status === 'finished' ? r.body : undefined;
    });
  };
  t.like(await upload(csv), { created: 2 });
  const [goneMember] = (await api.get(`/v1/members?q=${encodeURIComponent(gone)}`, { token: org.apiKey })).body.items;
  t.is((await api.delete(`/v1/members/${goneMember.id}`, { token: org.apiKey })).status, 202);

  const again = await upload(csv);
  t.like(again, { created: 0, skipped: 2 });
  t.like(again.errors[0], { row: 2, outcome: 'skipped', reason: 'removed_earlier', memberId: goneMember.id });
  t.regex(again.errors[0].message, /removed earlier — re-invite from their page/);
  t.like(again.errors[1], { row: 3, reason: 'already_member' });
  t.is((await api.get(`/v1/members/${goneMember.id}`, { token: org.apiKey })).body.status, 'removed', 'still removed');

  t.like(await upload(`email,name,reinvite\n${gone},Gone Person,yes\n`), { created: 1 });
  const back = await waitFor('the new run', async () => {
    const r = await api.get(`/v1/members/${goneMember.id}`, { token: org.apiKey });
    return r.body.status === 'invited' ? r.body : undefined;
  });
  t.is(back.removedAt, null, 'invited again on purpose');
});

// The operator and its companies: two companies behind one front door share its controller, its
// card stock and its access list; each sees only its own people; hardware is the operator's.
import test from 'ava';
import { signDoorRequest } from '../domain/door/signatures.ts';
import { apiWorld, invitationToken, PASSWORD, problemOf, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { openMailbox } from '../services/mail-catcher.ts';
import { query } from './helpers/database.ts';
import { testEnv } from './helpers/env.ts';
import { fileScope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';
import { recordHistory } from './helpers/lifecycle.ts';
import { temporalClient } from './helpers/temporal.ts';
import { companyOffboardingWorkflowId } from '../contract/workflows.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

interface Company {
  id: string;
  apiKey: string;
  adminMemberId: string;
  adminEmail: string;
}

/** A company created by the operator over the API, granted the given sites. */
async function company(siteIds: string[], name = `Company ${tag()}`): Promise<Company> {
  const adminEmail = `admin-${tag()}@company.test`;
  const created = await world.api.post('/v1/companies', { name, siteIds, admin: { email: adminEmail, name: 'First Admin', locale: 'en' } }, { token: world.operatorKey });
  if (created.status !== 201) throw new Error(`company: ${created.status} ${created.text}`);
  return { ...created.body, adminEmail };
}

/** Invites through the company's key, creates the password from the e-mail: a member session. */
async function member(c: Company, siteId: string): Promise<{ id: string; email: string; token: string }> {
  const email = `m-${tag()}@company.test`;
  const invited = await world.api.post('/v1/members', { email, name: `M ${email}`, siteId, locale: 'en' }, { token: c.apiKey });
  if (invited.status !== 201) throw new Error(`invite: ${invited.status} ${invited.text}`);
  const accepted = await world.api.post(`/v1/invitations/${encodeURIComponent(await invitationToken(email))}/accept`, { password: PASSWORD });
  return { id: invited.body.id, email, token: accepted.body.token };
}

async function doorController(siteId: string) {
  const created = await world.api.post(`/v1/sites/${siteId}/door-controllers`, { name: `Main entrance ${tag()}` }, { token: world.operatorKey });
  if (created.status !== 201) throw new Error(`door: ${created.status} ${created.text}`);
  const { id, secret } = created.body as { id: string; secret: string };
  return {
    id,
    send: (event: Record<string, unknown>) => {
      const raw = JSON.stringify({ ...event, occurredAt: new Date().toISOString() });
      return world.api.call('POST', '/v1/door-events', { raw, headers: { 'Content-Type': 'application/json', 'X-Door-Controller': id, 'X-Signature': signDoorRequest(secret, raw) } });
    },
    accessList: () => world.api.call('GET', `/v1/door-controllers/${id}/access-list`, { headers: { 'X-Door-Controller': id, 'X-Signature': signDoorRequest(secret, '') } }),
  };
}

async function enrollAtDoor(m: { token: string }, door: Awaited<ReturnType<typeof doorController>>, cardNumber: string) {
  await waitFor('the lifecycle to know the password', async () => ((await world.api.get('/v1/me/card-enrollment', { token: m.token })).body.status === 'awaiting_card' ? true : undefined));
  const { body } = await world.api.post('/v1/me/card-enrollment/confirm', undefined, { token: m.token });
  return door.send({ type: 'pin_entered', pin: body.pin, cardNumber });
}

test('two companies at one site share one door controller: each member enrolls there with PIN + card, the access list holds both cards', async (t) => {
  const { api, operatorKey } = world;
  const site = await api.post('/v1/sites', { name: `Tour Horizon ${tag()}`, address: '12 rue de la Paix, Paris', timeZone: 'Europe/Paris' }, { token: operatorKey });
  t.is(site.status, 201, site.text);
  const siteId = site.body.id as string;
  const [alpha, beta] = [await company([siteId], `Alpha ${tag()}`), await company([siteId], `Beta ${tag()}`)];
  const door = await doorController(siteId);
  const stock = await api.post(`/v1/sites/${siteId}/cards`, { cards: [{ number: `A${tag()}` }, { number: `B${tag()}` }] }, { token: operatorKey });
  t.is(stock.status, 201, stock.text);
  const [cardA, cardB] = (stock.body.items as { number: string }[]).map((c) => c.number);

  const [a, b] = [await member(alpha, siteId), await member(beta, siteId)];
  const enrolledA = await enrollAtDoor(a, door, cardA!);
  const enrolledB = await enrollAtDoor(b, door, cardB!);
  t.like(enrolledA.body, { decision: 'enrolled', cardNumber: cardA, access: 'granted' });
  t.like(enrolledB.body, { decision: 'enrolled', cardNumber: cardB, access: 'granted' });
  const list = await door.accessList();
  t.is(list.status, 200);
  t.deepEqual(list.body.cards.map((c: { number: string }) => c.number).sort(), [cardA, cardB].sort(), 'the entrance (the common zone) lets in every company\'s cards');

  // Each company sees its own member, and its site without the hardware.
  const seenByAlpha = await api.get('/v1/members', { token: alpha.apiKey });
  t.deepEqual(seenByAlpha.body.items.map((m: { id: string }) => m.id).filter((id: string) => [a.id, b.id].includes(id)), [a.id]);
  const sitesOfBeta = await api.get('/v1/sites', { token: beta.apiKey });
  t.deepEqual(sitesOfBeta.body.items.map((s: { id: string }) => s.id), [siteId]);
  t.is(sitesOfBeta.body.items[0].address, '12 rue de la Paix, Paris');
  // The operator sees both, one company at a time or all at once.
  const all = await api.get('/v1/members?limit=100', { token: operatorKey });
  t.true([a.id, b.id].every((id) => all.body.items.some((m: { id: string }) => m.id === id)));
  const onlyBeta = await api.get(`/v1/members?companyId=${beta.id}`, { token: operatorKey });
  t.deepEqual(onlyBeta.body.items.map((m: { companyId: string }) => m.companyId).filter((c: string) => c !== beta.id), []);
  t.true(onlyBeta.body.items.some((m: { id: string }) => m.id === b.id));
  const asOperator = await api.get(`/v1/members/${b.id}`, { token: operatorKey });
  t.is(asOperator.status, 200);
  t.is(asOperator.body.companyId, beta.id);
});

test('a company sees nothing of another: every member, history, audit and import endpoint with the other\'s ids answers 404', async (t) => {
  const { api, operatorKey } = world;
  const site = await api.post('/v1/sites', { name: `Shared ${tag()}` }, { token: operatorKey });
  const siteId = site.body.id as string;
  const [alpha, beta] = [await company([siteId]), await company([siteId])];
  const b = await member(beta, siteId);
  const imported = await api.post('/v1/members/bulk', { members: [{ email: `bulk-${tag()}@company.test` }] }, { token: beta.apiKey });
  t.is(imported.status, 202, imported.text);
  const importId = imported.body.importId as string;

  const probes: [string, string, unknown?][] = [
    ['GET', `/v1/members/${b.id}`],
    ['PATCH', `/v1/members/${b.id}`, { name: 'Hijacked' }],
    ['DELETE', `/v1/members/${b.id}`],
    ['POST', `/v1/members/${b.id}/invitation/resend`],
    ['POST', `/v1/members/${b.id}/cards`, { cardNumber: 'X1' }],
    ['GET', `/v1/members/${b.id}/history`],
    ['GET', `/v1/imports/${importId}`],
    ['GET', `/v1/members?companyId=${beta.id}`],
    ['GET', `/v1/audit?companyId=${beta.id}`],
  ];
  for (const [method, path, body] of probes) {
    const reply = await api.call(method, path, { token: alpha.apiKey, ...(body === undefined ? {} : { body }) });
    t.is(reply.status, 404, `${method} ${path}: ${reply.text}`);
  }
  const audit = await api.get(`/v1/audit?memberId=${b.id}`, { token: alpha.apiKey });
  t.deepEqual(audit.body.items, [], 'the other company\'s member has no events in this audit');
  t.is((await api.get(`/v1/members/${b.id}`, { token: beta.apiKey })).status, 200, 'the member is there for their own company');

  // The pages, as the other company's admin: the same ids are not found either.
  await api.call('POST', '/v1/auth/login', { body: { email: 'nobody@company.test', password: 'x'.repeat(12) } });
  const session = await adminSession(alpha);
  for (const path of [`/admin/members/${b.id}`, `/admin/members/${b.id}/remove`, `/admin/imports/${importId}`, `/admin/imports/${importId}/status`]) {
    const page = await fetch(`${world.appUrl}${path}`, { headers: { Cookie: `mo_session=${session}`, Accept: 'text/html' } });
    t.is(page.status, 404, path);
  }
  // And their forms: each action on the other company's member is not found, and changes nothing.
  const signedIn = await fetch(`${world.appUrl}/admin/members`, { headers: { Cookie: `mo_session=${session}`, Accept: 'text/html' } });
  const csrf = /mo_csrf=([^;]+)/.exec(signedIn.headers.getSetCookie().join('; '))![1]!;
  const formToken = /name="_csrf" value="([^"]+)"/.exec(await signedIn.text())![1]!;
  const forms: [string, Record<string, string>][] = [
    [`/admin/members/${b.id}/role`, { role: 'admin' }],
    [`/admin/members/${b.id}/details`, { name: 'Hijacked', email: b.email, locale: 'en' }],
    [`/admin/members/${b.id}/invitation`, {}],
    [`/admin/members/${b.id}/card`, { cardNumber: 'X1' }],
    [`/admin/members/${b.id}/remove`, { reason: 'not yours' }],
  ];
  for (const [path, fields] of forms) {
    const posted = await fetch(`${world.appUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: `mo_session=${session}; mo_csrf=${csrf}`, Accept: 'text/html', 'Content-Type': 'application/x-www-form-urlencoded', Origin: world.appUrl },
      body: new URLSearchParams({ ...fields, _csrf: formToken }),
    });
    t.is(posted.status, 404, `POST ${path}`);
  }
  const untouched = (await api.get(`/v1/members/${b.id}`, { token: beta.apiKey })).body;
  t.like(untouched, { role: 'user', name: `M ${b.email}` }, 'nothing changed');
  t.not(untouched.status, 'removed');
  const operatorPage = await fetch(`${world.appUrl}/operator/companies`, { headers: { Cookie: `mo_session=${session}`, Accept: 'text/html' } });
  t.is(operatorPage.status, 403, 'the operator\'s pages are not a company admin\'s');
});

/** The company's first admin, signed in from their invitation. */
async function adminSession(c: Company): Promise<string> {
  const accepted = await world.api.post(`/v1/invitations/${encodeURIComponent(await invitationToken(c.adminEmail))}/accept`, { password: PASSWORD });
  if (accepted.status !== 201) throw new Error(`accept: ${accepted.status} ${accepted.text}`);
  return accepted.body.token as string;
}

test('hardware is the operator\'s: a company admin creating a door controller, cards or a site gets 403, and an invitation to a site not granted 422 naming siteId', async (t) => {
  const { api, operatorKey } = world;
  const [granted, other] = [await api.post('/v1/sites', { name: `Granted ${tag()}` }, { token: operatorKey }), await api.post('/v1/sites', { name: `Other ${tag()}` }, { token: operatorKey })];
  const c = await company([granted.body.id]);
  const session = await adminSession(c);
  for (const token of [c.apiKey, session]) {
    for (const [method, path, body] of [
      ['POST', `/v1/sites/${granted.body.id}/door-controllers`, { name: 'Back door' }],
      ['POST', `/v1/sites/${granted.body.id}/cards`, { cards: [{ number: `Z${tag()}` }] }],
      ['GET', `/v1/sites/${granted.body.id}/cards`, undefined],
      ['GET', `/v1/sites/${granted.body.id}/door-controllers`, undefined],
      ['PATCH', `/v1/sites/${granted.body.id}`, { name: 'Mine now' }],
      ['POST', '/v1/sites', { name: `Rogue ${tag()}` }],
      ['POST', '/v1/companies', { name: 'Rogue', siteIds: [granted.body.id], admin: { email: `r-${tag()}@x.test` } }],
      ['GET', '/v1/companies', undefined],
    ] as [string, string, unknown][]) {
      const reply = await api.call(method, path, { token, ...(body === undefined ? {} : { body }) });
      t.is(reply.status, 403, `${method} ${path}`);
      t.is(problemOf(reply).type, 'forbidden');
    }
  }
  t.is((await api.get(`/v1/sites/${other.body.id}`, { token: c.apiKey })).status, 404, 'a site not granted is not found');
  const refused = await api.post('/v1/members', { email: `x-${tag()}@company.test`, siteId: other.body.id }, { token: c.apiKey });
  t.is(refused.status, 422);
  t.is(refused.body.field, 'siteId');
  const cards = await api.get(`/v1/sites/${granted.body.id}/cards`, { token: operatorKey });
  t.is(cards.status, 200, 'the operator reads the stock');
});

test('taking a site away from a company with members there is refused with how many, unless offboardMembers=true removes them', async (t) => {
  const { api, operatorKey } = world;
  const [first, second] = [await api.post('/v1/sites', { name: `First ${tag()}` }, { token: operatorKey }), await api.post('/v1/sites', { name: `Second ${tag()}` }, { token: operatorKey })];
  const c = await company([first.body.id, second.body.id]);
  const m = await member(c, second.body.id);
  const refused = await api.patch(`/v1/companies/${c.id}`, { siteIds: [first.body.id] }, { token: operatorKey });
  t.is(refused.status, 409);
  t.like(refused.body, { code: 'site_has_members', members: 1, siteIds: [second.body.id] });
  t.deepEqual((await api.get(`/v1/companies/${c.id}`, { token: operatorKey })).body.siteIds.sort(), [first.body.id, second.body.id].sort(), 'nothing changed');
  const done = await api.patch(`/v1/companies/${c.id}?offboardMembers=true`, { siteIds: [first.body.id], name: 'Renamed Co' }, { token: operatorKey });
  t.is(done.status, 200, done.text);
  t.deepEqual(done.body.siteIds, [first.body.id]);
  t.is(done.body.name, 'Renamed Co');
  t.is((await api.get(`/v1/members/${m.id}`, { token: c.apiKey })).body.status, 'removed');
  const events = await query<{ type: string; actor: string }>(world.url, `select type, actor from audit_event where organization_id = $1 and type like 'company.%' order by id`, [c.id]);
  t.deepEqual(events.rows.map((e) => e.type), ['company.renamed', 'company.sites_changed']);
  t.true(events.rows.every((e) => e.actor.startsWith('operator-key:')), 'audited under the operator\'s name');
});

test('a company leaving: its offboarding removes every member (the last admin too) once, sends one report, and a cancelled one removes none', async (t) => {
  const { api, operatorKey } = world;
  const site = await api.post('/v1/sites', { name: `Leaving ${tag()}` }, { token: operatorKey });
  const c = await company([site.body.id]);
  const members = [await member(c, site.body.id), await member(c, site.body.id)];

  const later = new Date(Date.now() + 3600_000).toISOString();
  const scheduled = await api.post(`/v1/companies/${c.id}/offboarding`, { effectiveAt: later }, { token: operatorKey });
  t.is(scheduled.status, 202, scheduled.text);
  t.like(scheduled.body, { state: 'scheduled', removed: 0, total: null });
  t.is((await api.post(`/v1/companies/${c.id}/offboarding`, {}, { token: operatorKey })).status, 409, 'one offboarding at a time');
  const cancelled = await api.delete(`/v1/companies/${c.id}/offboarding`, { token: operatorKey });
  t.is(cancelled.status, 200, cancelled.text);
  t.like(cancelled.body, { state: 'cancelled', removed: 0 });
  for (const m of members) t.not((await api.get(`/v1/members/${m.id}`, { token: c.apiKey })).body.status, 'removed');

  const now = await api.post(`/v1/companies/${c.id}/offboarding`, {}, { token: operatorKey });
  t.is(now.status, 202, now.text);
  const finished = await waitFor('the offboarding to complete', async () => {
    const r = await api.get(`/v1/companies/${c.id}/offboarding`, { token: operatorKey });
    return r.body.state === 'completed' ? r.body : undefined;
  });
  t.like(finished, { total: 3, removed: 3 });
  const removals = await query<{ member_id: string; n: number }>(world.url, `select member_id, count(*)::int as n from audit_event where organization_id = $1 and type = 'member.removal_requested' group by member_id`, [c.id]);
  t.is(removals.rows.length, 3, 'every member, the first admin included');
  t.true(removals.rows.every((r) => r.n === 1), 'each once');
  const report = await waitForMail(c.adminEmail, /has left|est partie/);
  t.is(report.length, 1);
  t.regex(report[0]!.subject, /3 member\(s\) removed/);
  const toAdmin = await openMailbox(testEnv.mailDir).list({ to: c.adminEmail });
  t.deepEqual(toAdmin.filter((m) => /was removed: report|: rapport$/.test(m.subject)).map((m) => m.subject), [], 'no per-member report to the admins');
  t.is((await api.get('/v1/members', { token: c.apiKey })).status, 401, 'the company\'s keys stop working');
  const after = await api.get(`/v1/companies/${c.id}`, { token: operatorKey });
  t.truthy(after.body.offboardedAt);
  t.deepEqual(after.body.siteIds, []);
  t.is((await api.delete(`/v1/companies/${c.id}/offboarding`, { token: operatorKey })).status, 404);

  // The committed histories (replay.test.ts) have both ends and a member removed by it.
  const client = await temporalClient(t);
  await recordHistory(client, 'company-offboarding-cancelled', companyOffboardingWorkflowId(c.id, scheduled.body.id));
  await recordHistory(client, 'company-offboarding-completed', companyOffboardingWorkflowId(c.id, now.body.id));
  const lastRun = await client.workflow.getHandle(`member-${members[0]!.id}`).describe();
  await recordHistory(client, 'removed-by-company-offboarding', `member-${members[0]!.id}`, lastRun.runId);
});

test('an offboarding whose workflow never started (Temporal down after the commit) starts when the request is retried', async (t) => {
  const { api, operatorKey } = world;
  const site = await api.post('/v1/sites', { name: `Lost ${tag()}` }, { token: operatorKey });
  const c = await company([site.body.id]);
  // What a POST leaves when Temporal refused the start after the row was committed: the row alone.
  const { rows: [lost] } = await query<{ id: string }>(world.url,
    `insert into company_offboarding (id, organization_id, effective_at, state, requested_by, removed, workflow_id, created_at)
     values (gen_random_uuid(), $1, now(), 'scheduled', 'test', 0, '', now()) returning id`, [c.id]);
  await query(world.url, 'update company_offboarding set workflow_id = $1 where id = $2', [companyOffboardingWorkflowId(c.id, lost!.id), lost!.id]);
  const retried = await api.post(`/v1/companies/${c.id}/offboarding`, {}, { token: operatorKey });
  t.is(retried.status, 409, 'the same offboarding, not a second one');
  t.is(retried.body.offboardingId, lost!.id);
  const done = await waitFor('the offboarding to complete', async () => {
    const r = await api.get(`/v1/companies/${c.id}/offboarding`, { token: operatorKey });
    return r.body.state === 'completed' ? r.body : undefined;
  });
  t.like(done, { id: lost!.id, total: 1, removed: 1 });
});

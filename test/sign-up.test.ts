// "S'inscrire" over the API with a real worker, PostgreSQL and SMTP: a company domain declared by
// its admin and confirmed by the operator, automatic join and admin approval, the seat limit on
// every way in (invite, CSV, SCIM, sign-up, approval), and the webhooks the HR system hears.
import test from 'ava';
import { apiWorld, PASSWORD, problemOf, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { query } from './helpers/database.ts';
import { fileScope } from './helpers/scope.ts';
import { temporalClient } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

/** A new company with a confirmed domain of its own, its join policy and seats set. */
async function companyWithDomain(options: { joinPolicy: 'automatic' | 'approval'; seats?: number | null }) {
  const { api } = world;
  const company = await world.newCompany();
  const domain = `team-${tag()}.example`;
  const declared = await api.post('/v1/organization/domains', { domain }, { token: company.apiKey });
  if (declared.status !== 201) throw new Error(declared.text);
  const confirmed = await api.put(`/v1/companies/${company.companyId}/domains/${domain}`, { confirmed: true }, { token: world.operatorKey });
  if (confirmed.status !== 200 || !confirmed.body.domains[0].confirmed) throw new Error(confirmed.text);
  await api.put('/v1/organization/join-policy', { joinPolicy: options.joinPolicy }, { token: company.apiKey });
  if (options.seats !== undefined) await api.put(`/v1/companies/${company.companyId}/seats`, { contracted: options.seats }, { token: world.operatorKey });
  return { ...company, domain };
}

/** The token of the sign-up link e-mailed to `email`. */
async function signUpToken(email: string, count = 1): Promise<string> {
  // The mailbox lists newest first.
  const [mail] = await waitForMail(email, /join|rejoindre/i, count);
  const token = /\/sign-up\/([^\s"]+)/.exec(mail!.text)?.[1];
  if (!token) throw new Error(`no sign-up link in: ${mail!.text}`);
  return decodeURIComponent(token);
}

test('a domain is declared by the company and confirmed by the operator; public mail providers and another company\'s domain are refused', async (t) => {
  const { api } = world;
  const company = await world.newCompany();
  const other = await world.newCompany();
  const domain = `acme-${tag()}.example`;
  t.is((await api.post('/v1/organization/domains', { domain: 'gmail.com' }, { token: company.apiKey })).status, 422);
  t.is((await api.post('/v1/organization/domains', { domain: 'not a domain' }, { token: company.apiKey })).status, 422);
  const declared = await api.post('/v1/organization/domains', { domain: domain.toUpperCase() }, { token: company.apiKey });
  t.is(declared.status, 201);
  t.deepEqual(declared.body.domains.map((d: { domain: string; confirmed: boolean }) => [d.domain, d.confirmed]), [[domain, false]]);
  t.is(problemOf(await api.post('/v1/organization/domains', { domain }, { token: other.apiKey })).type, 'domain-taken');
  // Only the operator confirms.
  t.is((await api.put(`/v1/companies/${company.companyId}/domains/${domain}`, { confirmed: true }, { token: company.apiKey })).status, 403);
  const confirmed = await api.put(`/v1/companies/${company.companyId}/domains/${domain}`, { confirmed: true }, { token: world.operatorKey });
  t.true(confirmed.body.domains[0].confirmed);
  const audit = await query<{ type: string }>(world.url, `select type from audit_event where organization_id = $1 and type like 'company.domain%' order by id`, [company.companyId]);
  t.deepEqual(audit.rows.map((r) => r.type), ['company.domain_declared', 'company.domain_confirmed']);
});

test('sign-up with automatic join: the link (a GET decides nothing), name and password, then the normal lifecycle from "password set"', async (t) => {
  const { api } = world;
  const company = await companyWithDomain({ joinPolicy: 'automatic' });
  const email = `new-${tag()}@${company.domain}`;
  t.is((await api.post('/v1/auth/sign-up', { email, locale: 'en' })).status, 202);
  const token = await signUpToken(email);
  const link = await api.get(`/v1/sign-ups/${encodeURIComponent(token)}`);
  t.is(link.status, 200);
  t.like(link.body, { email, approval: false });
  t.is((await api.get(`/v1/sign-ups/${encodeURIComponent(token)}`)).status, 200, 'opening the link twice uses nothing');
  t.is(problemOf(await api.post(`/v1/sign-ups/${encodeURIComponent(token)}`, { name: 'Noé Nouveau', password: 'short' })).type, 'password-rejected');
  const joined = await api.post(`/v1/sign-ups/${encodeURIComponent(token)}`, { name: 'Noé Nouveau', password: PASSWORD, locale: 'en' });
  t.is(joined.status, 201, joined.text);
  const me = await api.get('/v1/me', { token: joined.body.token });
  t.like(me.body, { email, name: 'Noé Nouveau', role: 'user' });
  const state = await waitFor('the lifecycle waits for the card', async () => {
    const r = await api.get('/v1/me/card-enrollment', { token: joined.body.token });
    return r.status === 200 && r.body.status === 'awaiting_card' ? r.body : undefined;
  });
  t.is(state.status, 'awaiting_card');
  t.is((await api.post(`/v1/sign-ups/${encodeURIComponent(token)}`, { name: 'Again', password: PASSWORD })).status, 410, 'a link works once');
  // The password opens the account from now on.
  t.is((await api.post('/v1/auth/login', { email, password: PASSWORD })).status, 200);
  const events = await query<{ type: string }>(world.url, `select type from webhook_event where organization_id = $1 and member_id = $2 order by seq`, [company.companyId, joined.body.memberId]);
  t.deepEqual(events.rows.map((r) => r.type).filter((type) => type.startsWith('member.signup')), ['member.signup_requested', 'member.signup_approved']);
});

test('sign-up with approval: the admins are e-mailed, approve from the member page, the person is told; a refusal is told too', async (t) => {
  const { api } = world;
  const company = await companyWithDomain({ joinPolicy: 'approval' });
  const approved = `wait-${tag()}@${company.domain}`;
  const refused = `nope-${tag()}@${company.domain}`;
  for (const email of [approved, refused]) await api.post('/v1/auth/sign-up', { email, locale: 'en' });
  const pending = await api.post(`/v1/sign-ups/${encodeURIComponent(await signUpToken(approved))}`, { name: 'Wanda Waiting', password: PASSWORD, locale: 'en' });
  t.is(pending.status, 202, pending.text);
  t.is(pending.body.status, 'awaiting_approval');
  const refusedId = (await api.post(`/v1/sign-ups/${encodeURIComponent(await signUpToken(refused))}`, { name: 'Nora No', password: PASSWORD, locale: 'en' })).body.memberId as string;
  await waitForMail(company.adminEmail, /asks to join|demande à rejoindre/i, 2);
  t.is(problemOf(await api.post('/v1/auth/login', { email: approved, password: PASSWORD })).type, 'sign-up-pending');
  const detail = await api.get(`/v1/members/${pending.body.memberId}`, { token: company.apiKey });
  t.is(detail.body.status, 'awaiting_approval');

  const decided = await api.post(`/v1/members/${pending.body.memberId}/sign-up/decision`, { approve: true }, { token: company.apiKey });
  t.is(decided.status, 200, decided.text);
  t.is(decided.body.status, 'awaiting_card');
  t.is(problemOf(await api.post(`/v1/members/${pending.body.memberId}/sign-up/decision`, { approve: false }, { token: company.apiKey })).type, 'not-awaiting-approval');
  await waitForMail(approved, /welcome|bienvenue/i);
  t.is((await api.post('/v1/auth/login', { email: approved, password: PASSWORD })).status, 200);

  t.is((await api.post(`/v1/members/${refusedId}/sign-up/decision`, { approve: false }, { token: company.apiKey })).body.status, 'removed');
  await waitForMail(refused, /your request|votre demande/i);
  t.is(problemOf(await api.post('/v1/auth/login', { email: refused, password: PASSWORD })).type, 'invalid-credentials');
  const hooks = await query<{ type: string }>(world.url, `select type from webhook_event where member_id = $1 order by seq`, [pending.body.memberId]);
  t.deepEqual(hooks.rows.map((r) => r.type).filter((type) => type.startsWith('member.signup')), ['member.signup_requested', 'member.signup_approved']);
});

test('an address on record gets its usual e-mail, any other address nothing; the answer is the same 202', async (t) => {
  const { api } = world;
  const member = await world.member();
  const stranger = `nobody-${tag()}@elsewhere.example`;
  const a = await api.post('/v1/auth/sign-up', { email: member.email });
  const b = await api.post('/v1/auth/sign-up', { email: stranger });
  t.deepEqual([a.status, a.body], [b.status, b.body]);
  await waitForMail(member.email, /reset|réinitialisation/i);
  // Once every sign-up workflow of this app has ended (the stranger's among them), nothing was
  // sent to the stranger nor kept about them.
  const client = await temporalClient(scope);
  const signUps = `WorkflowType = 'signUp' AND TaskQueue = '${world.taskQueue}'`;
  await waitFor('the sign-up requests decided', async () => {
    const [all, running] = await Promise.all([client.workflow.count(signUps), client.workflow.count(`${signUps} AND ExecutionStatus = 'Running'`)]);
    return all.count >= 2 && running.count === 0 ? true : undefined;
  });
  t.is((await query<{ n: number }>(world.url, 'select count(*)::int as n from email_outbox where to_address = $1', [stranger])).rows[0]!.n, 0);
  t.is((await query<{ n: number }>(world.url, 'select count(*)::int as n from sign_up_request where email = $1', [stranger])).rows[0]!.n, 0);
  t.true((await query<{ n: number }>(world.url, 'select count(*)::int as n from email_outbox where to_address = $1', [member.email])).rows[0]!.n > 0);
});

test('contracted seats hold on invite, CSV, SCIM, sign-up and approval: "N of N seats used"', async (t) => {
  const { api } = world;
  const company = await companyWithDomain({ joinPolicy: 'approval', seats: null });
  // The first admin holds a seat: two seats leave one.
  await api.put(`/v1/companies/${company.companyId}/seats`, { contracted: 2 }, { token: world.operatorKey });
  const waiting = `wait-${tag()}@${company.domain}`;
  await api.post('/v1/auth/sign-up', { email: waiting });
  const pending = await api.post(`/v1/sign-ups/${encodeURIComponent(await signUpToken(waiting))}`, { name: 'Wes Waiting', password: PASSWORD });
  t.is(pending.status, 202, 'a request waiting for approval takes no seat');
  const invited = await api.post('/v1/members', { email: `seat-${tag()}@acme.test`, name: 'Sam Seat', siteId: company.siteId }, { token: company.apiKey });
  t.is(invited.status, 201, invited.text);

  const full = await api.post('/v1/members', { email: `over-${tag()}@acme.test`, name: 'Otto Over', siteId: company.siteId }, { token: company.apiKey });
  t.is(problemOf(full).type, 'seats-full');
  t.regex(full.body.title, /2 of 2 seats used/);
  t.deepEqual(full.body.seats, { used: 2, contracted: 2 });

  const csv = await api.call('POST', '/v1/members/bulk', { raw: `email,name\nrow-${tag()}@acme.test,Row One\n`, headers: { 'Content-Type': 'text/csv' }, token: company.apiKey });
  t.is(csv.status, 202, csv.text);
  const progress = await waitFor('the import finishes', async () => {
    const r = await api.get(`/v1/imports/${csv.body.importId}`, { token: company.apiKey });
    return r.body.status === 'finished' ? r.body : undefined;
  });
  t.is(progress.failed, 1);
  t.like(progress.errors[0], { outcome: 'failed', reason: 'seats_full' });
  t.regex(progress.errors[0].message, /2 of 2 seats used/);

  const scim = await fetch(`${world.appUrl}/scim/v2/Users`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${company.apiKey}`, 'Content-Type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `scim-${tag()}@acme.test`, name: { givenName: 'Sky', familyName: 'Im' }, active: true }),
  });
  t.is(scim.status, 409);
  const scimBody = (await scim.json()) as { schemas: string[]; detail: string };
  t.deepEqual(scimBody.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
  t.regex(scimBody.detail, /2 of 2 seats used/);

  const approval = await api.post(`/v1/members/${pending.body.memberId}/sign-up/decision`, { approve: true }, { token: company.apiKey });
  t.is(problemOf(approval).type, 'seats-full');
  t.regex(approval.body.title, /2 of 2 seats used/);

  const automatic = `auto-${tag()}@${company.domain}`;
  await api.put('/v1/organization/join-policy', { joinPolicy: 'automatic' }, { token: company.apiKey });
  await api.post('/v1/auth/sign-up', { email: automatic });
  const refused = await api.post(`/v1/sign-ups/${encodeURIComponent(await signUpToken(automatic))}`, { name: 'Al Auto', password: PASSWORD });
  t.is(problemOf(refused).type, 'seats-full');

  // A seat more, and the waiting request is approved after all.
  t.deepEqual((await api.put(`/v1/companies/${company.companyId}/seats`, { contracted: 3 }, { token: world.operatorKey })).body, { used: 2, contracted: 3 });
  t.is((await api.post(`/v1/members/${pending.body.memberId}/sign-up/decision`, { approve: true }, { token: company.apiKey })).status, 200);
  const plan = await api.get('/v1/plan', { token: company.apiKey });
  t.deepEqual(plan.body.seats, { used: 3, contracted: 3 });
});

test('someone removed cannot come back by signing up: only an admin invites them again', async (t) => {
  const { api } = world;
  const company = await companyWithDomain({ joinPolicy: 'automatic' });
  const email = `gone-${tag()}@${company.domain}`;
  await api.post('/v1/auth/sign-up', { email });
  const joined = await api.post(`/v1/sign-ups/${encodeURIComponent(await signUpToken(email))}`, { name: 'Gil Gone', password: PASSWORD });
  t.is(joined.status, 201);
  t.true([200, 202].includes((await api.delete(`/v1/members/${joined.body.memberId}`, { token: company.apiKey })).status));
  await waitFor('removed', async () => ((await api.get(`/v1/members/${joined.body.memberId}`, { token: company.apiKey })).body.status === 'removed' ? true : undefined));
  await api.post('/v1/auth/sign-up', { email });
  const again = await api.post(`/v1/sign-ups/${encodeURIComponent(await signUpToken(email, 2))}`, { name: 'Gil Again', password: PASSWORD });
  t.is(problemOf(again).type, 'member-removed-earlier');
  t.is((await api.get(`/v1/members/${joined.body.memberId}`, { token: company.apiKey })).body.status, 'removed', 'still removed');
});

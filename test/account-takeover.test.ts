// What a company's credentials could do to an account before: move the operator's first admin to
// an address they read (and so get the operator's rights), or move any member's sign-in address
// at once and reset the password there. Now the operator's staff are the operator's to change,
// and an account's address changes only once the new address confirms, the old one told, every
// session ended when it takes effect. REST and SCIM share the rule.
import test from 'ava';
import { apiWorld, PASSWORD, problemOf, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { query } from './helpers/database.ts';
import { openMailbox } from '../services/mail-catcher.ts';
import { testEnv } from './helpers/env.ts';
import { connectBrowser, DESKTOP, openPage, PHONE, screenshots } from './helpers/browser.ts';
import { fileScope } from './helpers/scope.ts';
import type { Browser } from 'playwright-core';

const scope = fileScope();
let world: ApiWorld;
let browser: Browser;
test.before(async () => {
  [world, browser] = await Promise.all([apiWorld(scope), connectBrowser(scope)]);
});

const mailbox = openMailbox(testEnv.mailDir);
const scimHeaders = { 'Content-Type': 'application/scim+json', Accept: 'application/scim+json' };
const patchOp = (operations: unknown[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });

/** A page's form POSTed as a browser would: its CSRF cookie and token from the GET before. */
async function submitPage(base: string, path: string): Promise<Response> {
  const page = await fetch(base + path);
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!token) throw new Error(`no form on ${path}`);
  return fetch(base + path, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie }, body: new URLSearchParams({ _csrf: token }) });
}

const linkIn = (text: string) => /\/email-changes\/(\S+)/.exec(text)?.[0];

test('a company\'s key, SCIM key or admin cannot change or remove one of the operator\'s staff; the operator can', async (t) => {
  const { api, org } = world;
  const attacker = `attacker-${tag()}@evil.test`;
  const company = { token: org.apiKey };
  // The first admin (org:create's) runs the buildings and has no password yet: the invitation
  // would have gone to the attacker's address, and with it the operator's rights.
  const patched = await api.patch(`/v1/members/${org.adminMemberId}`, { email: attacker }, company);
  t.like(problemOf(patched), { status: 403, type: 'operator-staff-protected' });
  t.like(problemOf(await api.patch(`/v1/members/${org.adminMemberId}`, { role: 'user' }, company)), { status: 403 });
  t.like(problemOf(await api.delete(`/v1/members/${org.adminMemberId}`, company)), { status: 403 });
  t.like(problemOf(await api.post(`/v1/members/${org.adminMemberId}/invitation/resend`, undefined, company)), { status: 403 });
  const scim = await api.call('PATCH', `/scim/v2/Users/${org.adminMemberId}`, { token: org.apiKey, headers: scimHeaders, body: patchOp([{ op: 'replace', path: 'userName', value: attacker }]) });
  t.is(scim.status, 403, scim.text);
  t.is(scim.body.schemas?.[0], 'urn:ietf:params:scim:api:messages:2.0:Error');
  // Another admin of the same company, signed in, is a company credential too.
  const colleague = await world.member({ role: 'admin' });
  t.like(problemOf(await api.patch(`/v1/members/${org.adminMemberId}`, { email: attacker }, { token: colleague.token })), { status: 403 });

  const { rows } = await query<{ email: string; role: string; status: string }>(world.url, 'select email, role, status from member where id = $1', [org.adminMemberId]);
  t.like(rows[0], { email: org.adminEmail, role: 'admin' });
  t.not(rows[0]!.status, 'removed');
  t.is((await mailbox.list({ to: attacker })).length, 0, 'nothing was sent to the attacker\'s address');

  // The operator (its key) may correct its own staff.
  const byOperator = await api.patch(`/v1/members/${org.adminMemberId}`, { name: 'Ada Operator' }, { token: world.operatorKey });
  t.is(byOperator.status, 200, byOperator.text);
  t.is(byOperator.body.name, 'Ada Operator');
});

async function pendingChange(t: import('ava').ExecutionContext, change: (m: { id: string; email: string }, to: string) => Promise<void>) {
  const { api } = world;
  const m = await world.member();
  const to = `moved-${tag()}@elsewhere.test`;
  await change(m, to);
  const member = (await api.get(`/v1/members/${m.id}`, { token: world.org.apiKey })).body;
  t.like(member, { email: m.email, pendingEmail: to }, 'the address in use stays until the new one confirms');

  const [notice] = await waitForMail(m.email, /about to change|va changer/);
  t.true(notice!.text.includes(to), 'the old address is told where the account is moving');
  t.falsy(linkIn(notice!.text), 'and cannot confirm it');
  const [confirm] = await waitForMail(to, /Confirm your new sign-in address|Confirmez votre nouvelle adresse/);
  const link = linkIn(confirm!.text)!;
  t.truthy(link);

  // Until then: the old session works, the new address opens nothing.
  t.is((await api.get('/v1/me', { token: m.token })).status, 200);
  t.like(problemOf(await api.post('/v1/auth/login', { email: to, password: PASSWORD })), { status: 401 });
  // Opening the link (a mail scanner does) decides nothing.
  const shown = await fetch(world.appUrl + link);
  t.is(shown.status, 200);
  t.regex(await shown.text(), new RegExp(to.replace(/[.]/g, '\\.')));
  // As the new address's owner sees it, on a phone and a desktop, in both languages.
  for (const viewport of [PHONE, DESKTOP]) {
    const page = await openPage(t, browser, { baseURL: world.appUrl, locale: 'fr', viewport });
    await page.goto(link);
    t.true(await page.getByRole('button', { name: 'Confirmer cette adresse' }).isVisible());
    await screenshots(page, 'email-change');
  }
  t.is((await api.get(`/v1/members/${m.id}`, { token: world.org.apiKey })).body.email, m.email);

  const confirmed = await submitPage(world.appUrl, link);
  t.is(confirmed.status, 303);
  t.regex(confirmed.headers.get('location') ?? '', /\/login\?done=email_changed/);
  t.like((await api.get(`/v1/members/${m.id}`, { token: world.org.apiKey })).body, { email: to, pendingEmail: null });
  t.is((await api.get('/v1/me', { token: m.token })).status, 401, 'every session ended when it took effect');
  t.is((await api.post('/v1/auth/login', { email: m.email, password: PASSWORD })).status, 401, 'the old address opens nothing now');
  t.is((await api.post('/v1/auth/login', { email: to, password: PASSWORD })).status, 200);
  t.is((await fetch(world.appUrl + link)).status, 410, 'the link works once');
  const history = (await api.get(`/v1/members/${m.id}/history`, { token: world.org.apiKey })).body.items.map((e: { type: string }) => e.type);
  t.true(history.includes('member.email_change_requested') && history.includes('member.email_changed'));
}

test('REST: the address of a member with a password changes only once the new address confirms; the old is told; sessions end', async (t) => {
  await pendingChange(t, async (m, to) => {
    const reply = await world.api.patch(`/v1/members/${m.id}`, { email: to }, { token: world.org.apiKey });
    t.is(reply.status, 200, reply.text);
  });
});

test('SCIM: a new userName for a member with a password follows the same rule', async (t) => {
  await pendingChange(t, async (m, to) => {
    const reply = await world.api.call('PATCH', `/scim/v2/Users/${m.id}`, { token: world.org.apiKey, headers: scimHeaders, body: patchOp([{ op: 'replace', path: 'userName', value: to }]) });
    t.is(reply.status, 200, reply.text);
  });
});

test('an address already taken is refused (409) before anything else of the change is written, for a member with a password too', async (t) => {
  const { api } = world;
  const m = await world.member();
  const other = await world.member();
  const reply = await api.patch(`/v1/members/${m.id}`, { name: 'Renamed Halfway', email: other.email }, { token: world.org.apiKey });
  t.like(problemOf(reply), { status: 409, type: 'member-exists' });
  const after = (await api.get(`/v1/members/${m.id}`, { token: world.org.apiKey })).body;
  t.like(after, { email: m.email, pendingEmail: null });
  t.not(after.name, 'Renamed Halfway', 'nothing half-written');
});

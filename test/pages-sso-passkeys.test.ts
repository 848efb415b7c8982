// Single sign-on against a real OpenID provider run in this process (oidc-provider), and passkeys
// with Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain), in the real
// browser against the real app. Both need the app at its PUBLIC_URL: the provider sends the
// browser back there, and a passkey belongs to a domain (http://localhost:<port>).
import net from 'node:net';
import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import { apiWorld, PASSWORD, problemOf, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { startApi } from './helpers/app.ts';
import { connectBrowser, DESKTOP, openPage, PHONE, screenshot, screenshots } from './helpers/browser.ts';
import { startOpenIdProvider } from './helpers/oidc.ts';
import { fileScope } from './helpers/scope.ts';
import { query } from './helpers/database.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
let world: ApiWorld;
let browser: Browser;
let base: string;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test.before(async () => {
  [world, browser] = await Promise.all([apiWorld(scope), connectBrowser(scope)]);
  const port = await freePort();
  base = `http://localhost:${port}`;
  await startApi(scope, { orm: world.orm, taskQueue: world.taskQueue, port, env: { PUBLIC_URL: base } });
});

/** A company whose members sign in with their own provider; its domain confirmed, joining automatic. */
async function ssoCompany(label: string) {
  const { api } = world;
  const company = await world.newCompany();
  const domain = `sso-${tag()}.example`;
  await api.post('/v1/organization/domains', { domain }, { token: company.apiKey });
  await api.put(`/v1/companies/${company.companyId}/domains/${domain}`, { confirmed: true }, { token: world.operatorKey });
  await api.put('/v1/organization/join-policy', { joinPolicy: 'automatic' }, { token: company.apiKey });
  const provider = await startOpenIdProvider(scope, { redirectUri: `${base}/sso/callback`, names: {} });
  const set = await api.put('/v1/organization/sso', { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, label }, { token: company.apiKey });
  if (set.status !== 200) throw new Error(set.text);
  return { ...company, domain, provider };
}

/** From the sign-in page to the provider's form, as `email`; back on the app when it returns. */
async function signInWithProvider(page: Page, email: string, words: { sso: RegExp; email: RegExp; find: RegExp; button: RegExp }) {
  await page.goto('/login');
  await page.getByRole('link', { name: words.sso }).click();
  await page.getByLabel(words.email).fill(email);
  await page.getByRole('button', { name: words.find }).click();
  await page.getByRole('link', { name: words.button }).click();
  // The provider's own (development) sign-in form, then its consent.
  await page.getByPlaceholder('Enter any login').fill(email);
  await page.getByPlaceholder('and password').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

/**
 * Records the browser's way back from the provider: the callback's address and the cookie sent
 * with it. (Requests reached by a redirect are never routed, but their events are emitted.)
 */
function watchReturn(page: Page) {
  const seen: { url?: string; cookie?: string } = {};
  page.on('request', (request) => {
    if (!request.url().includes('/sso/callback')) return;
    seen.url = request.url();
    request.headerValue('cookie').then((cookie) => (seen.cookie = cookie ?? ''), () => undefined);
  });
  return seen;
}

const FR = { sso: /authentification unique \(SSO\)/, email: /^Adresse e-mail/, find: /^Continuer$/, button: /^Se connecter avec / };
const EN = { sso: /single sign-on \(SSO\)/, email: /^E-mail address/, find: /^Continue$/, button: /^Sign in with / };

test('"Sign in with <company IdP>": a member is matched by e-mail, an unknown address at the domain joins; a replayed answer and a wrong state are refused', async (t) => {
  const { api } = world;
  const c = await ssoCompany('Okta');
  const email = `ines-${tag()}@${c.domain}`;
  const invited = await api.post('/v1/members', { email, name: 'Inès Unique', siteId: c.siteId, locale: 'fr' }, { token: c.apiKey });
  const page = await openPage(t, browser, { baseURL: base, locale: 'fr', viewport: PHONE });
  const callback = watchReturn(page);
  await page.goto('/login/sso?email=' + encodeURIComponent(email));
  t.is(await page.getByRole('link', { name: 'Se connecter avec Okta' }).count(), 1);
  await screenshots(page, 'login-sso');
  await signInWithProvider(page, email, FR);
  await page.waitForURL(/\/me$/);
  t.is(await page.getByRole('heading', { level: 1 }).textContent(), 'Inès Unique');
  // Signed in through the provider: the account exists, as a password would have made it.
  await waitFor('the account track done', async () => ((await api.get(`/v1/members/${invited.body.id}`, { token: c.apiKey })).body.status === 'awaiting_card' ? true : undefined));

  // The same answer again, with the same cookie: its request was used up.
  t.regex(callback.cookie ?? '', /mo_sso=/);
  const replay = await fetch(callback.url!, { headers: { Cookie: callback.cookie!, Accept: 'text/html' }, redirect: 'manual' });
  t.is(replay.status, 401);
  t.regex(await replay.text(), /n’a pas abouti|did not succeed/);

  // A wrong state with a live request of this browser: refused by openid-client's check.
  const other = await openPage(t, browser, { baseURL: base, locale: 'en', viewport: DESKTOP });
  await other.goto(`/sso/start/${c.companyId}`);
  await other.getByPlaceholder('Enter any login').waitFor();
  t.is((await other.context().cookies(`${base}/sso/callback`)).filter((cookie) => cookie.name === 'mo_sso').length, 1, 'the request waits in its cookie');
  const forged = new URL(callback.url!);
  forged.searchParams.set('state', 'not-the-state-we-sent');
  const answer = await other.goto(forged.href);
  t.is(answer?.status(), 401);
  t.regex((await other.getByRole('alert').textContent()) ?? '', /did not succeed/);
  await screenshot(other, 'sso-refused.en.desktop');
  await other.goto('/me');
  t.regex(other.url(), /\/login/, 'not signed in');

  // Someone unknown at the company's domain: joins by the company's rule (automatic here).
  const newcomer = `noa-${tag()}@${c.domain}`;
  const fresh = await openPage(t, browser, { baseURL: base, locale: 'en', viewport: DESKTOP });
  await signInWithProvider(fresh, newcomer, EN);
  await fresh.waitForURL(/\/me$/);
  const joined = (await api.get(`/v1/members?q=${encodeURIComponent(newcomer)}`, { token: c.apiKey })).body.items[0];
  t.like(joined, { email: newcomer, role: 'user' });
  const history = await api.get(`/v1/members/${joined.id}/history`, { token: c.apiKey });
  t.true(history.body.items.some((e: { type: string; data: { via?: string } }) => e.type === 'member.signed_up' && e.data.via === 'sso'));
});

test('another company\'s provider is refused for a member who is not its own; "SSO required" blocks the password', async (t) => {
  const { api } = world;
  const a = await ssoCompany('Entra ID');
  const b = await ssoCompany('Okta B');
  const email = `max-${tag()}@${a.domain}`;
  const invited = await api.post('/v1/members', { email, name: 'Max Membre', siteId: a.siteId, locale: 'en' }, { token: a.apiKey });
  // Company B's provider vouches for A's member: B's button cannot make them anyone.
  const page = await openPage(t, browser, { baseURL: base, locale: 'en', viewport: DESKTOP });
  await page.goto(`/sso/start/${b.companyId}`);
  await page.getByPlaceholder('Enter any login').fill(email);
  await page.getByPlaceholder('and password').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('alert').waitFor();
  t.regex((await page.getByRole('alert').textContent()) ?? '', /not a member of this company/);
  await page.goto('/me');
  t.regex(page.url(), /\/login/, 'not signed in');
  t.is((await api.get(`/v1/members?q=${encodeURIComponent(email)}`, { token: b.apiKey })).body.items.length, 0, 'nobody added to B');

  // A's member has a password; once A requires single sign-on, it no longer opens the account.
  const token = /\/invitations\/(\S+)/.exec((await waitForMail(email, /invit/i))[0]!.text)![1]!;
  t.is((await api.post(`/v1/invitations/${token}/accept`, { password: PASSWORD })).status, 201);
  t.is((await api.post('/v1/auth/login', { email, password: PASSWORD })).status, 200);
  const required = await api.put('/v1/organization/sso', { issuer: a.provider.issuer, clientId: a.provider.clientId, label: 'Entra ID', required: true }, { token: a.apiKey });
  t.true(required.body.sso.required, 'the secret kept without being sent again');
  const refused = await api.post('/v1/auth/login', { email, password: PASSWORD });
  t.is(problemOf(refused).type, 'sso-required');
  t.is(refused.status, 403);
  await page.goto('/login');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  t.regex((await page.getByRole('alert').textContent()) ?? '', /single sign-on/);
  // While "Sign in with Entra ID" still works.
  await signInWithProvider(page, email, EN);
  await page.waitForURL(/\/me$/);
  // The company's administrator signs in the same way, and lands on the administrators' pages.
  const admin = await openPage(t, browser, { baseURL: base, locale: 'en', viewport: DESKTOP });
  await admin.goto(`/sso/start/${a.companyId}`);
  await admin.getByPlaceholder('Enter any login').fill(a.adminEmail);
  await admin.getByPlaceholder('and password').fill('anything');
  await admin.getByRole('button', { name: 'Sign-in' }).click();
  await admin.getByRole('button', { name: 'Continue' }).click();
  await admin.waitForURL(/\/admin$/);
  // Someone invited now is sent to the provider: no password to create.
  const later = `lou-${tag()}@${a.domain}`;
  await api.post('/v1/members', { email: later, name: 'Lou Later', siteId: a.siteId, locale: 'en' }, { token: a.apiKey });
  const link = /https?:\/\/\S+(\/invitations\/\S+)/.exec((await waitForMail(later, /invit/i))[0]!.text)![1]!;
  const invitation = await openPage(t, browser, { baseURL: base, locale: 'en', viewport: DESKTOP });
  await invitation.goto(link);
  t.is(await invitation.getByRole('link', { name: 'Sign in with Entra ID' }).count(), 1);
  t.is(await invitation.getByLabel(/^New password/).count(), 0);
  t.is(invited.status, 201);
});

test('a passkey: added on the profile, then signing in with it; listed and removed', async (t) => {
  const member = await world.member({ name: 'Paz Passkey' });
  const page = await openPage(t, browser, { baseURL: base, locale: 'en', viewport: DESKTOP });
  // Chromium's virtual authenticator: a platform authenticator that holds discoverable credentials.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await page.goto('/login');
  await page.getByLabel('E-mail address').fill(member.email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(/\/me$/);
  await page.getByLabel('Name of the new passkey').fill('Work laptop');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.waitForURL(/done=passkey_added/);
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /passkey is added/);
  t.true(await page.getByText('Work laptop').isVisible());
  await screenshots(page, 'profile-passkeys');

  // Signed out, then in again with the passkey alone (no e-mail, no password).
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login/);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.waitForURL(/\/me$/);
  t.is(await page.getByRole('heading', { level: 1 }).textContent(), 'Paz Passkey');
  const listed = await world.api.get('/v1/me/passkeys', { token: member.token });
  t.is(listed.body.items.length, 1);
  t.truthy(listed.body.items[0].lastUsedAt, 'its use is recorded');

  await page.getByRole('button', { name: 'Remove the passkey Work laptop' }).click();
  await page.waitForURL(/done=passkey_removed/);
  t.is((await world.api.get('/v1/me/passkeys', { token: member.token })).body.items.length, 0);
  // A passkey removed opens nothing any more.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.locator('#passkey-status').filter({ hasText: /passkey did not sign you in/ }).waitFor();
  t.regex(page.url(), /\/login/);

  // A passkey added again ends with the member's removal, like their password and sessions.
  await page.getByLabel('E-mail address').fill(member.email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(/\/me$/);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.waitForURL(/done=passkey_added/);
  const count = async () => (await query<{ n: number }>(world.url, 'select count(*)::int as n from passkey where member_id = $1', [member.id])).rows[0]!.n;
  t.is(await count(), 1);
  await world.api.delete(`/v1/members/${member.id}`, { token: world.org.apiKey });
  await waitFor('the removal done', async () => ((await count()) === 0 ? true : undefined));
});

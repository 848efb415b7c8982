// What a hostile caller tries: rotating X-Forwarded-For past the sign-in limit, a CSRF pair
// planted before the victim signs in, a cookie-authenticated write from another site, caches
// keeping a signed-in answer, /metrics read by anyone.
import test from 'ava';
import { startApi } from './helpers/app.ts';
import { apiWorld, httpClient, PASSWORD, tag, type ApiWorld } from './helpers/api.ts';
import { testEnv } from './helpers/env.ts';
import { fileScope } from './helpers/scope.ts';
import { TEST_SECRET_KEY } from './helpers/temporal.ts';

const scope = fileScope();
let world: ApiWorld;
let production: ReturnType<typeof httpClient>;
const METRICS_TOKEN = 'metrics-token-0123456789';
test.before(async () => {
  world = await apiWorld(scope);
  // The same database and worker, behind one proxy, as NODE_ENV=production runs it.
  const { url } = await startApi(scope, {
    orm: world.orm,
    taskQueue: world.taskQueue,
    env: { NODE_ENV: 'production', SMTP_URL: testEnv.smtpUrl, SECRET_KEY: TEST_SECRET_KEY, PUBLIC_URL: 'https://onboarding.test', TRUST_PROXY_HOPS: '1', METRICS_TOKEN },
  });
  production = httpClient(url);
});

test('behind a proxy, a rotating X-Forwarded-For does not escape the per-address sign-in limit', async (t) => {
  const statuses: number[] = [];
  for (let i = 0; i < 51; i++) {
    // The client writes what it likes on the left; the proxy appends the address it saw.
    const reply = await production.post('/v1/auth/login', { email: `nobody-${i}-${tag()}@acme.test`, password: 'not the password' }, { headers: { 'X-Forwarded-For': `203.0.113.${i}, 198.51.100.7` } });
    statuses.push(reply.status);
  }
  t.is(statuses.filter((s) => s === 401).length, 50);
  t.is(statuses.at(-1), 429, 'the 51st try from the same client is refused');
  const other = await production.post('/v1/auth/login', { email: `nobody-${tag()}@acme.test`, password: 'not the password' }, { headers: { 'X-Forwarded-For': '198.51.100.8' } });
  t.is(other.status, 401, 'another client still may try');
});

test('a stranger guessing a victim\'s password from elsewhere slows only themself: the victim still signs in', async (t) => {
  const victim = await world.member();
  const guesses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const reply = await production.post('/v1/auth/login', { email: victim.email, password: `guess ${i}` }, { headers: { 'X-Forwarded-For': '203.0.113.66' } });
    guesses.push(reply.status);
  }
  t.deepEqual(guesses.slice(0, 6), [401, 401, 401, 401, 401, 401]);
  t.true(guesses.slice(6).every((s) => s === 429), 'the guesser now waits between tries');
  const own = await production.post('/v1/auth/login', { email: victim.email, password: PASSWORD }, { headers: { 'X-Forwarded-For': '198.51.100.77' } });
  t.is(own.status, 200, 'not locked out by someone else\'s guesses');
});

test('production answers: HSTS and nosniff everywhere, __Host- cookies over https, /metrics for its token only', async (t) => {
  const health = await production.get('/healthz');
  t.is(health.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
  t.is(health.headers.get('x-content-type-options'), 'nosniff');
  t.is((await production.get('/metrics')).status, 404);
  t.is((await production.get('/metrics', { token: 'wrong-token-0123456789' })).status, 404);
  const metrics = await production.get('/metrics', { token: METRICS_TOKEN });
  t.is(metrics.status, 200);
  t.regex(metrics.text, /http_requests_total/);

  const m = await world.member();
  const login = await production.post('/v1/auth/login', { email: m.email, password: PASSWORD }, { headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '198.51.100.9' } });
  t.is(login.status, 200, login.text);
  t.regex(login.headers.get('set-cookie') ?? '', /^__Host-mo_session=[^;]+; path=\/; expires=[^;]+; samesite=lax; secure; httponly/);
  t.is(login.headers.get('cache-control'), 'no-store');
});

test('authenticated answers are not cached; a write with the session cookie alone needs the pages\' token', async (t) => {
  const { api } = world;
  const m = await world.member();
  const me = await api.get('/v1/me', { token: m.token });
  t.is(me.headers.get('cache-control'), 'no-store');
  t.is(me.headers.get('x-content-type-options'), 'nosniff');

  const cookie = { Cookie: `mo_session=${m.token}` };
  t.is((await api.get('/v1/me', { headers: cookie })).status, 200, 'reading with the cookie is fine');
  const forged = await api.post('/v1/me/card-enrollment/confirm', undefined, { headers: cookie });
  t.is(forged.status, 403);
  t.is(forged.body.type, 'https://onboarding.example/problems/csrf-token-required');
  t.is((await api.post('/v1/me/card-enrollment/confirm', undefined, { token: m.token })).status, 200, 'a bearer needs no form token');
});

/** A page's CSRF cookie and the token its forms carry. */
async function formPair(cookies: string): Promise<{ csrfCookie: string; token: string }> {
  const page = await fetch(`${world.appUrl}/login?lang=en`, { headers: { Cookie: cookies, Accept: 'text/html' } });
  const set = page.headers.getSetCookie().find((c) => c.startsWith('mo_csrf='));
  const csrfCookie = set ? set.split(';')[0]!.slice('mo_csrf='.length) : /mo_csrf=([^;]+)/.exec(cookies)![1]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  return { csrfCookie, token };
}

test('a CSRF pair planted before the victim signs in is refused once they are signed in', async (t) => {
  const m = await world.member();
  // The attacker's own visit, signed out: a cookie and its form token.
  const planted = await formPair('');
  const post = (cookies: string, token: string) =>
    fetch(`${world.appUrl}/logout`, { method: 'POST', redirect: 'manual', headers: { Cookie: cookies, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' }, body: `_csrf=${encodeURIComponent(token)}` });
  const victim = `mo_session=${m.token}; mo_csrf=${planted.csrfCookie}`;
  t.is((await post(victim, planted.token)).status, 403, 'the planted pair does not fit the victim\'s session');
  const own = await formPair(victim);
  t.is((await post(victim, own.token)).status, 303, 'the token of a page the victim loaded does');
});

test('a page form with a control character is refused with a 400 page naming the field, and the member is not removed', async (t) => {
  const token = await world.adminSession();
  const m = await world.member();
  const cookies = `mo_session=${token}`;
  const page = await fetch(`${world.appUrl}/admin/members/${m.id}/remove?lang=fr`, { headers: { Cookie: cookies, Accept: 'text/html' } });
  const csrf = page.headers.getSetCookie().find((c) => c.startsWith('mo_csrf='))!.split(';')[0]!;
  const formToken = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const refused = await fetch(`${world.appUrl}/admin/members/${m.id}/remove`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: `${cookies}; ${csrf}; mo_lang=fr`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
    body: `_csrf=${encodeURIComponent(formToken)}&reason=${encodeURIComponent('parti\u0000')}`,
  });
  t.is(refused.status, 400);
  t.regex(await refused.text(), /Le champ « reason » contient un caractère non autorisé/);
  t.is((await world.api.get(`/v1/members/${m.id}`, { token: world.org.apiKey })).body.status === 'removed', false);
});

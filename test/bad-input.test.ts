// Requests that used to bring the platform down or answer 5xx: a SCIM PATCH reaching
// Object.prototype, a multipart upload cut short or without a boundary, a body whose
// Content-Encoding lies, dates outside what the stores take, SCIM filters on dates that are not
// dates, and SCIM addresses that are not one bare address.
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { apiWorld, problemOf, tag, type ApiWorld } from './helpers/api.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

const scimHeaders = { 'Content-Type': 'application/scim+json', Accept: 'application/scim+json' };
const scim = (method: string, path: string, body?: unknown) => world.api.call(method, `/scim/v2${path}`, { token: world.org.apiKey, headers: scimHeaders, ...(body === undefined ? {} : { body }) });
const patchOp = (operations: unknown[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });

test('a SCIM PATCH naming __proto__, constructor or prototype (as a path or a key, Users and Groups) is refused as invalidPath and pollutes nothing', async (t) => {
  const email = `proto-${tag()}@acme.test`;
  const user = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: email, active: true });
  t.is(user.status, 201, user.text);
  const group = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Proto ${tag()}` });
  t.is(group.status, 201, group.text);
  // A path, or a path-less value's key, naming a prototype: refused against the schema.
  const attacks: [unknown[], string][] = [
    [[{ op: 'replace', path: '__proto__.polluted', value: '1' }], 'invalidPath'],
    [[{ op: 'replace', path: 'constructor.prototype.polluted', value: '1' }], 'invalidPath'],
    [[{ op: 'add', path: 'name.__proto__', value: { polluted: '1' } }], 'invalidPath'],
    [[{ op: 'replace', value: { '__proto__.polluted': '1' } }], 'invalidPath'],
    [[{ op: 'replace', value: { 'constructor.prototype.polluted': '1' } }], 'invalidPath'],
    [[{ op: 'replace', path: 'notAnAttribute', value: '1' }], 'invalidPath'],
    // A literal "__proto__" key: the JSON body parser refuses it before anything reads it.
    [[JSON.parse('{"op":"replace","value":{"__proto__":{"polluted":"1"}}}')], 'invalidSyntax'],
  ];
  for (const [kind, id] of [['Users', user.body.id], ['Groups', group.body.id]] as const) {
    for (const [operations, scimType] of attacks) {
      const reply = await scim('PATCH', `/${kind}/${id}`, patchOp(operations));
      t.is(reply.status, 400, `${kind} ${JSON.stringify(operations)}: ${reply.text}`);
      t.is(reply.body.scimType, scimType, JSON.stringify(operations));
    }
  }
  t.is(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
  t.is((await scim('GET', `/Users/${user.body.id}`)).status, 200, 'and the platform answers as before');
  // What Entra and Okta send still applies.
  const fine = await scim('PATCH', `/Users/${user.body.id}`, patchOp([{ op: 'Replace', value: { 'name.givenName': 'Polly', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'Ops' } }]));
  t.is(fine.status, 200, fine.text);
});

/** An admin's page session: the cookie, and the import form's action (its CSRF token in the URL). */
async function pageSession(path: string, formAction: RegExp) {
  const token = await world.adminSession();
  const page = await fetch(world.appUrl + path, { headers: { Cookie: `mo_session=${token}` } });
  const cookies = [`mo_session=${token}`, ...page.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
  const action = formAction.exec(await page.text())?.[1]?.replaceAll('&amp;', '&');
  if (!action) throw new Error(`no upload form on ${path}`);
  return { cookies, action };
}

test('a multipart upload cut before its closing boundary, or without a boundary, is a 400 and the process lives on', async (t) => {
  const forms = [
    await pageSession('/admin/members/new', /<form[^>]*action="(\/admin\/imports\?[^"]+)"[^>]*multipart/),
    await pageSession(`/operator/sites/${world.org.siteId}`, /<form[^>]*action="(\/operator\/sites\/[^"]+\/cards\/import\?[^"]+)"[^>]*multipart/),
  ];
  for (const form of forms) {
    const boundary = '----cut' + tag();
    const cut = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="team.csv"\r\nContent-Type: text/csv\r\n\r\nemail\r\nsomeone@acme.test\r\n`;
    const truncated = await fetch(world.appUrl + form.action, { method: 'POST', headers: { Cookie: form.cookies, 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body: cut });
    t.is(truncated.status, 400, form.action);
    t.regex(await truncated.text(), /did not arrive whole|pas arrivé en entier/);
    const noBoundary = await fetch(world.appUrl + form.action, { method: 'POST', headers: { Cookie: form.cookies, 'Content-Type': 'multipart/form-data' }, body: cut });
    t.is(noBoundary.status, 400, form.action);
  }
  t.is((await fetch(world.appUrl + '/healthz')).status, 200, 'still serving');
});

test('a body whose Content-Encoding is not what it says is a 400 (REST and SCIM); a real gzip body is read', async (t) => {
  const body = JSON.stringify({ email: `gz-${tag()}@acme.test`, name: 'Gus Zip', locale: 'en' });
  const lying = await world.api.call('POST', '/v1/members', { token: world.org.apiKey, raw: body, headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } });
  t.like(problemOf(lying), { status: 400, type: 'bad-content-encoding' });
  const lyingScim = await world.api.call('POST', '/scim/v2/Users', { token: world.org.apiKey, raw: body, headers: { ...scimHeaders, 'Content-Encoding': 'gzip' } });
  t.is(lyingScim.status, 400);
  const real = await fetch(world.appUrl + '/v1/members', { method: 'POST', headers: { Authorization: `Bearer ${world.org.apiKey}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: gzipSync(body) });
  t.is(real.status, 201, await real.text());
});

test('dates outside 1970–9998 are refused with a 400 naming the field: REST POST and PATCH, SCIM startDate and endDate', async (t) => {
  const company = { token: world.org.apiKey };
  const post = await world.api.post('/v1/members', { email: `d0-${tag()}@acme.test`, name: 'Day Zero', startsOn: '0000-01-01' }, company);
  t.like(problemOf(post), { status: 400 });
  t.true(JSON.stringify(post.body).includes('startsOn'));
  const m = await world.api.post('/v1/members', { email: `d1-${tag()}@acme.test`, name: 'Day One' }, company);
  t.is(m.status, 201);
  for (const body of [{ startsOn: '0000-01-01' }, { endsOn: '9999-12-31' }, { endsAt: '0000-01-01T00:00:00Z' }]) {
    const patched = await world.api.patch(`/v1/members/${m.body.id}`, body, company);
    t.like(problemOf(patched), { status: 400 }, JSON.stringify(body));
  }
  const ours = 'urn:onboarding:params:scim:schemas:extension:2.0:User';
  for (const dates of [{ startDate: '0000-01-01' }, { endDate: '9999-12-31' }, { endDate: '275760-09-13T00:00:00.000Z' }, { endDate: '+275760-09-13T00:00:00Z' }]) {
    const created = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ours], userName: `d-${tag()}@acme.test`, active: true, [ours]: dates });
    t.is(created.status, 400, `${JSON.stringify(dates)}: ${created.text}`);
    t.is(created.body.scimType, 'invalidValue');
  }
});

test('SCIM filters on meta.created and meta.lastModified take a date-time only (400 invalidFilter otherwise)', async (t) => {
  for (const bad of ['"abc"', '"2026-13-45T00:00:00Z"', '42', '"0000-01-01T00:00:00Z"']) {
    for (const attribute of ['meta.lastModified', 'meta.created']) {
      const reply = await scim('GET', `/Users?filter=${encodeURIComponent(`${attribute} gt ${bad}`)}`);
      t.is(reply.status, 400, `${attribute} gt ${bad}: ${reply.text}`);
      t.is(reply.body.scimType, 'invalidFilter');
    }
  }
  const good = await scim('GET', `/Users?filter=${encodeURIComponent('meta.lastModified gt "2020-01-01T00:00:00Z"')}`);
  t.is(good.status, 200);
  t.true(good.body.totalResults >= 1);
});

test('SCIM takes one bare address: a display name, a comma list or angle brackets are refused, and nothing is invited', async (t) => {
  for (const address of [`"victim"<x-${tag()}@evil.test>`, `a,b-${tag()}@evil.test`, `x-${tag()}@evil.test, y@evil.test`]) {
    const asUserName = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: address, active: true });
    t.is(asUserName.status, 400, `${address}: ${asUserName.text}`);
    const asEmail = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `user-${tag()}`, emails: [{ value: address, primary: true }], active: true });
    t.is(asEmail.status, 400, `${address}: ${asEmail.text}`);
  }
});

test('SCIM: a userName that is not an address takes the address from emails (primary, else work, else first); a preferredLanguage is kept as written', async (t) => {
  const userName = `jdoe-${tag()}`;
  const primary = `primary-${tag()}@acme.test`;
  const created = await scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, active: true, preferredLanguage: 'xx-Klingon-42',
    emails: [{ value: `work-${tag()}@acme.test`, type: 'work' }, { value: primary, type: 'home', primary: true }],
  });
  t.is(created.status, 201, created.text);
  t.is(created.body.userName, userName, 'answered back as written');
  t.is(created.body.preferredLanguage, 'xx-Klingon-42');
  const member = (await world.api.get(`/v1/members/${created.body.id}`, { token: world.org.apiKey })).body;
  t.is(member.email, primary);
  t.true(['fr', 'en'].includes(member.locale), 'the company\'s default language');
  const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
  t.is(found.body.totalResults, 1);
});

test('a path starting with // (or /\\) renders language links on this site, never another', async (t) => {
  for (const path of ['//evil.test/x', '/\\evil.test/x', '///evil.test/x']) {
    const reply = await fetch(world.appUrl + path, { headers: { Accept: 'text/html' } });
    const html = await reply.text();
    const hrefs = [...html.matchAll(/<a href="([^"]*)" lang="(?:fr|en)" hreflang=/g)].map((m) => m[1]!);
    t.true(hrefs.length > 0, `${path}: language links shown`);
    for (const href of hrefs) t.regex(href, /^\/[^/\\]/, `${path}: ${href} stays on this site`);
  }
});

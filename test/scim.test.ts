// SCIM 2.0 as Okta and Microsoft Entra ID speak it, replayed against a real app, worker, Temporal
// and PostgreSQL: the request sequences their documentation shows (create, lookups by filter,
// each PATCH form, deactivate, reactivate, delete, group membership).
import { randomUUID } from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import { apiWorld, invitationToken, PASSWORD, tag, waitForMail, type ApiWorld, type Reply } from './helpers/api.ts';
import { query } from './helpers/database.ts';
import { grantedCards } from './helpers/lifecycle.ts';
import { fileScope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
let shared: Promise<ApiWorld> | undefined;
const world = () => (shared ??= apiWorld(scope));

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const OURS = 'urn:onboarding:params:scim:schemas:extension:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

function scim(w: ApiWorld, token = w.org.apiKey) {
  const call = (method: string, path: string, body?: unknown): Promise<Reply> =>
    w.api.call(method, `/scim/v2${path}`, { token, headers: { 'Content-Type': 'application/scim+json', Accept: 'application/scim+json' }, ...(body === undefined ? {} : { body }) });
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown) => call('POST', path, body),
    put: (path: string, body: unknown) => call('PUT', path, body),
    patch: (path: string, operations: unknown[]) => call('PATCH', path, { schemas: [PATCH], Operations: operations }),
    delete: (path: string) => call('DELETE', path),
  };
}
const filter = (text: string) => `?filter=${encodeURIComponent(text)}`;

async function memberStatus(w: ApiWorld, id: string): Promise<string> {
  return (await w.api.get(`/v1/members/${id}`, { token: w.org.apiKey })).body.status;
}

async function waitForStatus(w: ApiWorld, id: string, status: string) {
  return waitFor(`member ${id} ${status}`, async () => ((await memberStatus(w, id)) === status ? true : undefined));
}

/** The member creates their password and an admin registers a card: they are active, card and Wi-Fi. */
async function makeActive(w: ApiWorld, memberId: string, email: string): Promise<string> {
  const accepted = await w.api.post(`/v1/invitations/${encodeURIComponent(await invitationToken(email))}/accept`, { password: PASSWORD });
  if (accepted.status !== 201) throw new Error(accepted.text);
  const number = (await w.api.post(`/v1/sites/${w.org.siteId}/cards`, { cards: [{ number: `S${tag()}` }] }, { token: w.operatorKey })).body.items[0].number as string;
  const registered = await w.api.post(`/v1/members/${memberId}/cards`, { cardNumber: number }, { token: w.org.apiKey });
  if (registered.body.decision !== 'enrolled') throw new Error(registered.text);
  await waitForStatus(w, memberId, 'active');
  return number;
}

const liveWifi = async (w: ApiWorld, memberId: string) =>
  Number((await query<{ n: string }>(w.url, 'select count(*) as n from wifi_credential where member_id = $1 and revoked_at is null', [memberId])).rows[0]!.n);

test('discovery: ServiceProviderConfig, ResourceTypes and Schemas (core, enterprise, ours); errors are SCIM errors', async (t) => {
  const w = await world();
  const s = scim(w);
  const config = await s.get('/ServiceProviderConfig');
  t.is(config.status, 200);
  t.regex(config.headers.get('content-type') ?? '', /application\/scim\+json/);
  t.like(config.body, { patch: { supported: true }, filter: { supported: true }, bulk: { supported: false } });
  const types = await s.get('/ResourceTypes');
  t.deepEqual(types.body.Resources.map((r: { id: string }) => r.id), ['User', 'Group']);
  const schemas = await s.get('/Schemas');
  const ids = schemas.body.Resources.map((r: { id: string }) => r.id);
  for (const id of [USER, ENTERPRISE, OURS, GROUP]) t.true(ids.includes(id), id);
  const ours = schemas.body.Resources.find((r: { id: string }) => r.id === OURS);
  t.deepEqual(ours.attributes.map((a: { name: string }) => a.name).slice(0, 3), ['startDate', 'endDate', 'site']);

  // Refusals, each as SCIM error JSON with its status as a string.
  const anonymous = await w.api.get('/scim/v2/Users');
  t.like(anonymous.body, { schemas: [ERROR], status: '401' });
  const wrongKey = await scim(w, 'mo_not-a-key').get('/Users');
  t.like(wrongKey.body, { schemas: [ERROR], status: '401' });
  const operatorKey = await scim(w, w.operatorKey).get('/Users');
  t.like(operatorKey.body, { schemas: [ERROR], status: '403' });
  const badFilter = await s.get(`/Users${filter('userName eq')}`);
  t.like(badFilter.body, { schemas: [ERROR], status: '400', scimType: 'invalidFilter' });
  const unknownAttribute = await s.get(`/Users${filter('title eq "CEO"')}`);
  t.like(unknownAttribute.body, { status: '400', scimType: 'invalidFilter' });
  const notJson = await w.api.call('POST', '/scim/v2/Users', { token: w.org.apiKey, raw: '{"userName":', headers: { 'Content-Type': 'application/scim+json' } });
  t.like(notJson.body, { schemas: [ERROR], status: '400', scimType: 'invalidSyntax' });
  const noEmail = await s.post('/Users', { schemas: [USER], userName: 'not an address' });
  t.like(noEmail.body, { status: '400', scimType: 'invalidValue' });
  t.like((await s.get(`/Users/${randomUUID()}`)).body, { schemas: [ERROR], status: '404' });
  t.like((await s.get('/Users/not-a-uuid')).body, { status: '404' });
  t.like((await s.get('/Nothing')).body, { schemas: [ERROR], status: '404' });
  t.like((await s.get(`/Users?startIndex=abc`)).body, { status: '400' });
  const badPatch = await s.patch(`/Users/${w.org.adminMemberId}`, [{ op: 'jump', path: 'active', value: false }]);
  t.like(badPatch.body, { schemas: [ERROR], status: '400' });
  t.is(await memberStatus(w, w.org.adminMemberId), 'invited', 'a refused PATCH changed nothing');
});

test('Okta: lookup, create, read, replace, deactivate (card off the access list, Wi-Fi revoked), reactivate, delete', async (t) => {
  const w = await world();
  const s = scim(w);
  const email = `okta-${tag()}@acme.test`;
  // Okta looks the user up first, with its paging parameters.
  const none = await s.get(`/Users${filter(`userName eq "${email}"`)}&startIndex=1&count=100`);
  t.like(none.body, { totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });

  const created = await s.post('/Users', {
    schemas: [USER], userName: email, name: { givenName: 'Olga', familyName: 'Kta' }, emails: [{ primary: true, value: email, type: 'work' }],
    displayName: 'Olga Kta', locale: 'en-US', externalId: `00u${tag()}`, groups: [], password: 'ignored-by-us', active: true,
  });
  t.is(created.status, 201);
  const id = created.body.id as string;
  // Answered as Okta wrote it: its locale as written (the member's language is English), and no
  // preferredLanguage it never sent.
  t.like(created.body, { userName: email, active: true, displayName: 'Olga Kta', name: { givenName: 'Olga' }, locale: 'en-US', meta: { resourceType: 'User' } });
  t.false('preferredLanguage' in created.body);
  t.is(created.headers.get('location'), created.body.meta.location);
  t.false('password' in created.body, 'the password Okta sends is neither kept nor echoed');
  await waitForMail(email, /invit/i);
  const row = (await w.api.get(`/v1/members/${id}`, { token: w.org.apiKey })).body;
  t.like(row, { email, name: 'Olga Kta', locale: 'en', role: 'user', status: 'invited', externalId: created.body.externalId });

  const again = await s.post('/Users', { schemas: [USER], userName: email, emails: [{ value: email, type: 'work' }], active: true });
  t.like(again.body, { status: '409', scimType: 'uniqueness' });

  const found = await s.get(`/Users${filter(`userName eq "${email.toUpperCase()}"`)}`);
  t.is(found.body.totalResults, 1, 'userName is compared without case');
  t.is(found.body.Resources[0].id, id);
  t.like((await s.get(`/Users/${id}`)).body, { id, userName: email });

  // PUT: the whole user as Okta has it now.
  const replaced = await s.put(`/Users/${id}`, { ...created.body, name: { givenName: 'Olga', familyName: 'Martin' }, displayName: 'Olga Martin' });
  t.is(replaced.status, 200);
  t.is(replaced.body.displayName, 'Olga Martin');
  t.is((await w.api.get(`/v1/members/${id}`, { token: w.org.apiKey })).body.name, 'Olga Martin');

  const card = await makeActive(w, id, email);
  t.true((await grantedCards(w.orm, w.org.siteId)).includes(card));
  t.is(await liveWifi(w, id), 1);

  // Okta deactivates with a path-less replace.
  const deactivated = await s.patch(`/Users/${id}`, [{ op: 'replace', value: { active: false } }]);
  t.is(deactivated.status, 200);
  t.false(deactivated.body.active);
  await waitFor('card off the access list', async () => (!(await grantedCards(w.orm, w.org.siteId)).includes(card) ? true : undefined));
  await waitFor('Wi-Fi revoked', async () => ((await liveWifi(w, id)) === 0 ? true : undefined));
  await waitForMail(email, /retir|removed|accès|access/i);
  t.like((await s.get(`/Users/${id}`)).body, { id, active: false }, 'still readable, inactive');

  // Reactivated: invited again, a new run of the lifecycle.
  const reactivated = await s.patch(`/Users/${id}`, [{ op: 'replace', value: { active: true } }]);
  t.true(reactivated.body.active);
  await waitForStatus(w, id, 'invited');
  const history = (await w.api.get(`/v1/members/${id}/history`, { token: w.org.apiKey })).body.items.map((e: { type: string }) => e.type);
  t.true(history.includes('member.reinvited'));

  t.is((await s.delete(`/Users/${id}`)).status, 204);
  t.like((await s.get(`/Users/${id}`)).body, { status: '404' });
  t.is((await s.get(`/Users${filter(`userName eq "${email}"`)}`)).body.totalResults, 0);
  await waitForStatus(w, id, 'removed');

  // Every call audited under the key's name.
  const { rows } = await query<{ actor: string; n: string }>(w.url, `select actor, count(*) as n from audit_event where type = 'scim.request' and organization_id = $1 group by actor`, [w.org.companyId]);
  t.true(rows.length >= 1 && rows.every((r) => r.actor.startsWith('api-key:')));
});

test('Entra ID: test connection, create with the enterprise extension and dates, each PATCH form, soft delete with "False"', async (t) => {
  const w = await world();
  const s = scim(w);
  // "Test connection" looks up a random GUID: an empty list, not an error.
  const probe = await s.get(`/Users${filter(`userName eq "${randomUUID()}"`)}`);
  t.like(probe.body, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, Resources: [] });

  const email = `entra-${tag()}@acme.test`;
  const externalId = randomUUID();
  const created = await s.post('/Users', {
    schemas: [USER, ENTERPRISE, OURS], externalId, userName: email, active: true, displayName: 'Eve Entra',
    emails: [{ primary: true, type: 'work', value: email }], name: { formatted: 'Eve Entra', familyName: 'Entra', givenName: 'Eve' },
    preferredLanguage: 'fr-FR', [ENTERPRISE]: { department: 'Sales', employeeNumber: '42' }, [OURS]: { startDate: '2099-03-01', endDate: '2099-12-31', site: w.org.siteName },
  });
  t.is(created.status, 201, created.text);
  const id = created.body.id as string;
  t.like(created.body, { [ENTERPRISE]: { department: 'Sales' }, [OURS]: { startDate: '2099-03-01', endDate: '2099-12-31', site: w.org.siteName, status: 'scheduled' } });
  t.like((await w.api.get(`/v1/members/${id}`, { token: w.org.apiKey })).body, { status: 'scheduled', startsOn: '2099-03-01', endsOn: '2099-12-31' });

  const byExternalId = await s.get(`/Users${filter(`externalId eq "${externalId}"`)}`);
  t.is(byExternalId.body.totalResults, 1);

  const newEmail = `eve-${tag()}@acme.test`;
  const patched = await s.patch(`/Users/${id}`, [
    { op: 'Replace', path: 'displayName', value: 'Eve Martin' },
    { op: 'Add', path: 'emails[type eq "work"].value', value: newEmail },
    { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Operations' },
    { op: 'Replace', value: { 'name.givenName': 'Evelyne', [`${OURS}:startDate`]: '2099-04-01' } },
    { op: 'Remove', path: `${ENTERPRISE}:employeeNumber` },
  ]);
  t.is(patched.status, 200, patched.text);
  t.like(patched.body, { displayName: 'Eve Martin', name: { givenName: 'Evelyne' }, [ENTERPRISE]: { department: 'Operations' }, [OURS]: { startDate: '2099-04-01' } });
  t.false('employeeNumber' in patched.body[ENTERPRISE]);
  // The address is the userName when it is one: Entra changes both.
  const renamed = await s.patch(`/Users/${id}`, [{ op: 'Replace', path: 'userName', value: newEmail }]);
  t.is(renamed.body.userName, newEmail);
  t.like((await w.api.get(`/v1/members/${id}`, { token: w.org.apiKey })).body, { email: newEmail, name: 'Eve Martin', startsOn: '2099-04-01' });
  const byWorkEmail = await s.get(`/Users${filter(`emails[type eq "work"].value eq "${newEmail}" and active eq true`)}`);
  t.is(byWorkEmail.body.totalResults, 1);

  // Entra's soft delete: "False" as a string.
  const disabled = await s.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
  t.false(disabled.body.active);
  await waitForStatus(w, id, 'removed');
  t.is((await s.get(`/Users${filter(`externalId eq "${externalId}" and active eq false`)}`)).body.totalResults, 1);
});

test('groups: members of "Administrators" are admins; Entra removes, Okta adds back; displayName lookups without members', async (t) => {
  const w = await world();
  const s = scim(w);
  const email = `group-${tag()}@acme.test`;
  const user = await s.post('/Users', { schemas: [USER], userName: email, emails: [{ value: email, type: 'work' }], active: true });
  const id = user.body.id as string;
  const other = await s.post('/Groups', { schemas: [GROUP], displayName: `Team ${tag()}`, members: [{ value: id }] });
  t.is(other.status, 201);
  t.is((await w.api.get(`/v1/members/${id}`, { token: w.org.apiKey })).body.role, 'user', 'another group gives no role');

  const admins = await s.post('/Groups', { schemas: [GROUP], displayName: 'Administrators', externalId: randomUUID(), members: [{ value: id }] });
  t.is(admins.status, 201, admins.text);
  const groupId = admins.body.id as string;
  t.is((await w.api.get(`/v1/members/${id}`, { token: w.org.apiKey })).body.role, 'admin');
  t.like((await s.post('/Groups', { schemas: [GROUP], displayName: 'administrators' })).body, { status: '409', scimType: 'uniqueness' });

  const looked = await s.get(`/Groups${filter('displayName eq "Administrators"')}&excludedAttributes=members`);
  t.is(looked.body.totalResults, 1);
  t.false('members' in looked.body.Resources[0]);
  t.deepEqual((await s.get(`/Groups/${groupId}`)).body.members.map((m: { value: string }) => m.value), [id]);
  t.true((await s.get(`/Users/${id}`)).body.groups.some((g: { value: string }) => g.value === groupId));

  // Entra removes a member with a filtered path.
  const removed = await s.patch(`/Groups/${groupId}`, [{ op: 'Remove', path: `members[value eq "${id}"]` }]);
  t.is(removed.status, 200, removed.text);
  t.is((await w.api.get(`/v1/members/${id}`, { token: w.org.apiKey })).body.role, 'user');
  // Okta adds one back.
  await s.patch(`/Groups/${groupId}`, [{ op: 'add', path: 'members', value: [{ value: id, display: email }] }]);
  t.is((await w.api.get(`/v1/members/${id}`, { token: w.org.apiKey })).body.role, 'admin');
  const history = (await w.api.get(`/v1/members/${id}/history`, { token: w.org.apiKey })).body.items.filter((e: { type: string }) => e.type === 'member.role_changed');
  t.is(history.length, 3);
  t.true(history.every((e: { actor: string }) => e.actor.startsWith('api-key:')));

  t.is((await s.delete(`/Groups/${groupId}`)).status, 204);
  t.is((await w.api.get(`/v1/members/${id}`, { token: w.org.apiKey })).body.role, 'user', 'the group gone, so is the role');
});

test('fuzzed filters, PATCH operations and users never get a 5xx, and every refusal is SCIM error JSON', async (t) => {
  const w = await world();
  const s = scim(w);
  const email = `fuzz-${tag()}@acme.test`;
  const target = (await s.post('/Users', { schemas: [USER], userName: email, emails: [{ value: email, type: 'work' }], active: true })).body.id as string;
  // A lone surrogate cannot be percent-encoded: sent as the invalid UTF-8 it would be.
  const enc = (v: string) => {
    try {
      return encodeURIComponent(v);
    } catch {
      return '%ED%A0%80';
    }
  };
  const nasty = fc.constantFrom('', ' ', '\u0000', '\uD800', '"', '\\', '%', '_', "'; drop table member; --", 'e\u0301', '[', ']', '.', 'é'.repeat(300), '9'.repeat(40));
  const word = fc.oneof(fc.string({ maxLength: 12 }), nasty, fc.constantFrom('userName', 'externalId', 'emails', 'emails.value', 'active', 'meta.lastModified', 'displayName', 'members', 'title'));
  const value = fc.oneof(fc.string({ maxLength: 12 }).map((v) => JSON.stringify(v)), fc.constantFrom('true', 'false', 'null', '42', '"2026-01-01T00:00:00Z"'), nasty);
  const op = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le', 'pr', 'and', 'or', 'not', 'EQ', '');
  const filterText = fc.oneof(
    fc.tuple(word, op, value).map(([a, o, v]) => `${a} ${o} ${v}`),
    fc.tuple(word, op, value, fc.constantFrom(' and ', ' or '), word, value).map(([a, o, v, j, b, w2]) => `${a} ${o} ${v}${j}${b} eq ${w2}`),
    fc.tuple(word, word, value).map(([a, b, v]) => `${a}[${b} eq ${v}].value eq ${v}`),
    fc.string({ maxLength: 40 }),
  );
  const patchOp = fc.record(
    {
      op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'move', ''),
      path: fc.oneof(word, fc.constantFrom('name.givenName', 'emails[type eq "work"].value', `${ENTERPRISE}:department`, `${OURS}:startDate`, `${OURS}:endDate`, 'members[value eq "x"]', 'id')),
      value: fc.oneof(fc.string({ maxLength: 20 }), fc.boolean(), fc.constantFrom('False', 'True', '2027-13-45', null, 3), fc.dictionary(word, fc.oneof(fc.string({ maxLength: 8 }), fc.boolean()), { maxKeys: 3 })),
    },
    { requiredKeys: ['op'] },
  );
  const user = fc.record({ schemas: fc.constant([USER]), userName: fc.oneof(word, fc.emailAddress()), active: fc.oneof(fc.boolean(), word), [OURS]: fc.record({ startDate: value, endDate: value, site: word }, { requiredKeys: [] }) }, { requiredKeys: [] });
  const request = fc.oneof(
    filterText.map((f) => () => s.get(`/Users?filter=${enc(f)}`)),
    filterText.map((f) => () => s.get(`/Groups?filter=${enc(f)}&excludedAttributes=members`)),
    fc.array(patchOp, { minLength: 0, maxLength: 3 }).map((ops) => () => s.patch(`/Users/${target}`, ops)),
    user.map((u) => () => s.post('/Users', u)),
    fc.tuple(word, word).map(([a, b]) => () => s.get(`/Users?startIndex=${enc(a)}&count=${enc(b)}`)),
  );
  const failures: string[] = [];
  await fc.assert(
    fc.asyncProperty(request, async (send) => {
      const reply = await send().catch((error: Error) => ({ status: 599, text: `threw: ${error.message}`, body: undefined }) as unknown as Reply);
      if (reply.status >= 500) failures.push(`${reply.status} ${reply.text.slice(0, 200)}`);
      if (reply.status >= 400 && !(reply.body?.schemas ?? []).includes(ERROR)) failures.push(`not SCIM error JSON: ${reply.status} ${reply.text.slice(0, 200)}`);
      return true;
    }),
    { numRuns: 300, seed: 20261202 },
  );
  t.deepEqual(failures, []);
});

test('POST /.search (Users, Groups, or both at the root), attributes and excludedAttributes; a group member the server does not know is refused', async (t) => {
  const w = await world();
  // A company of its own: the other tests of this file add users meanwhile, and the root search's
  // total is checked exactly.
  const company = await w.newCompany();
  const s = scim(w, company.apiKey);
  const email = `search-${tag()}@acme.test`;
  const user = await s.post('/Users', { schemas: [USER], userName: email, displayName: 'Sam Search', emails: [{ value: email, primary: true }], active: true });
  t.is(user.status, 201, user.text);
  const group = await s.post('/Groups', { schemas: [GROUP], displayName: `Searchers ${tag()}`, members: [{ value: user.body.id, display: 'Sam, as Okta calls him' }] });
  t.is(group.status, 201, group.text);
  t.deepEqual(group.body.members.map((m: { display: string }) => m.display), ['Sam, as Okta calls him'], 'display answered as written');

  const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
  const found = await s.post('/Users/.search', { schemas: [SEARCH], filter: `userName eq "${email}"`, attributes: ['userName', 'name.givenName'] });
  t.is(found.status, 200, found.text);
  t.is(found.body.totalResults, 1);
  t.deepEqual(Object.keys(found.body.Resources[0]).sort(), ['id', 'schemas', 'userName'], 'only what was asked, with id and schemas');
  const groups = await s.post('/Groups/.search', { schemas: [SEARCH], filter: `displayName eq "${group.body.displayName}"`, excludedAttributes: ['members'] });
  t.is(groups.body.totalResults, 1);
  t.false('members' in groups.body.Resources[0]);
  // The company's first admin and Sam, then the group: Users first.
  const both = await s.post('/.search', { schemas: [SEARCH], count: 200 });
  t.is(both.body.totalResults, 3, 'the root searches Users and Groups together');
  t.deepEqual(both.body.Resources.map((r: { id: string }) => r.id), [company.adminMemberId, user.body.id, group.body.id]);
  const second = await s.post('/.search', { schemas: [SEARCH], startIndex: 2, count: 2 });
  t.deepEqual(second.body.Resources.map((r: { id: string }) => r.id), [user.body.id, group.body.id], 'a page across both types');
  const byName = await s.post('/.search', { schemas: [SEARCH], filter: `displayName eq "${group.body.displayName}"` });
  t.deepEqual(byName.body.Resources.map((r: { id: string }) => r.id), [group.body.id]);
  t.like((await s.post('/Users/.search', { schemas: ['urn:not:a:search'] })).body, { status: '400', scimType: 'invalidSyntax' });
  t.like((await s.post('/.search', { schemas: [SEARCH], filter: 'nonsense eq "x"' })).body, { status: '400', scimType: 'invalidFilter' });

  const only = (await s.get(`/Users/${user.body.id}?attributes=displayName`)).body;
  t.deepEqual(Object.keys(only).sort(), ['displayName', 'id', 'schemas']);
  const without = (await s.get(`/Users/${user.body.id}?excludedAttributes=emails,groups`)).body;
  t.false('emails' in without || 'groups' in without);
  t.is(without.userName, email);

  // Group PATCH naming a user this company does not have: refused, nothing changed.
  const stranger = randomUUID();
  const refused = await s.patch(`/Groups/${group.body.id}`, [{ op: 'add', path: 'members', value: [{ value: stranger }] }]);
  t.like(refused.body, { status: '400', scimType: 'invalidValue' });
  t.regex(refused.body.detail, new RegExp(stranger));
  t.deepEqual((await s.get(`/Groups/${group.body.id}`)).body.members.map((m: { value: string }) => m.value), [user.body.id]);
});

test('our extension’s access: a day pass with its dates, access days narrowed then given back, kind set once', async (t) => {
  const w = await world();
  const s = scim(w);
  const guest = await s.post('/Users', { schemas: [USER, OURS], userName: `guest-${tag()}@acme.test`, name: { givenName: 'Camille', familyName: 'Durand' }, [OURS]: { kind: 'day_pass', dates: ['2099-01-05', '2099-01-07'] } });
  t.is(guest.status, 201, guest.text);
  t.like(guest.body[OURS], { kind: 'day_pass', dates: ['2099-01-05', '2099-01-07'], startDate: '2099-01-05', endDate: '2099-01-07' });
  const member = await s.post('/Users', { schemas: [USER, OURS], userName: `days-${tag()}@acme.test`, [OURS]: { accessDays: ['business_week'] } });
  t.is(member.status, 201, member.text);
  const row = async (id: string) => (await query<{ kind: string; access_days: string[] | null }>(w.url, 'select kind, access_days from member where id = $1', [id])).rows[0]!;
  t.deepEqual(await row(member.body.id), { kind: 'member', access_days: ['business_week'] });
  t.is((await s.patch(`/Users/${member.body.id}`, [{ op: 'replace', path: `${OURS}:accessDays`, value: ['business_week', 'saturday'] }])).status, 200);
  t.deepEqual((await row(member.body.id)).access_days, ['business_week', 'saturday']);
  t.is((await s.patch(`/Users/${member.body.id}`, [{ op: 'remove', path: `${OURS}:accessDays` }])).status, 200);
  t.is((await row(member.body.id)).access_days, null, 'removed: the company’s hours again');
  const changed = await s.patch(`/Users/${member.body.id}`, [{ op: 'replace', path: `${OURS}:kind`, value: 'day_pass' }]);
  t.is(changed.status, 400);
  t.like(changed.body, { schemas: [ERROR], scimType: 'mutability' });
  const bad = await s.post('/Users', { schemas: [USER, OURS], userName: `bad-${tag()}@acme.test`, [OURS]: { accessDays: ['saturday'] } });
  t.like(bad.body, { status: '400', scimType: 'invalidValue' });
});

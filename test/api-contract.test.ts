// The edges of the v1 contract: its OpenAPI document, bad input of every kind, bulk invitations.
import http from 'node:http';
import test from 'ava';
import { Validator } from '@seriousme/openapi-schema-validator';
import { apiWorld, problemOf, tag, type ApiWorld } from './helpers/api.ts';
import { query } from './helpers/database.ts';
import { fileScope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

const problem = 'application/problem+json';

/** fetch() refuses TRACE; node:http sends any method. */
function rawRequest(base: string, method: string, path: string): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => {
        const headers = new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]));
        resolve({ status: res.statusCode ?? 0, headers, text, body: /json/.test(headers.get('content-type') ?? '') ? JSON.parse(text) : text });
      });
    });
    req.on('error', reject).end();
  });
}

// Every endpoint of PRODUCT.md's "External contract (v1)" and of issue #4.
const CONTRACT = [
  'post /v1/members', 'post /v1/members/bulk', 'get /v1/imports/{id}', 'get /v1/members', 'get /v1/members/{id}', 'patch /v1/members/{id}',
  'post /v1/members/{id}/invitation/resend', 'post /v1/members/{id}/cards', 'delete /v1/members/{id}', 'get /v1/members/{id}/history', 'get /v1/audit',
  'post /v1/sites', 'get /v1/sites', 'post /v1/sites/{id}/door-controllers', 'post /v1/sites/{id}/cards',
  'post /v1/invitations/{token}/accept', 'get /v1/invitations/{token}', 'post /v1/auth/login', 'post /v1/auth/logout',
  'post /v1/auth/password-reset', 'post /v1/auth/password-reset/confirm', 'get /v1/me', 'get /v1/me/card-enrollment',
  'post /v1/me/card-enrollment/confirm', 'post /v1/me/card-enrollment/close', 'post /v1/me/card-enrollment/qr',
  'post /v1/door-events', 'get /v1/door-controllers/{id}/access-list', 'get /healthz', 'get /readyz',
];

test('/openapi.json validates as OpenAPI 3.1 and describes every endpoint of the contract, with its security', async (t) => {
  const document = (await world.api.get('/openapi.json')).body;
  const result = await new Validator().validate(document);
  t.true(result.valid, JSON.stringify(result.errors));
  t.is(document.openapi, '3.1.0');
  const operations = Object.entries(document.paths as Record<string, Record<string, { security?: unknown[] }>>).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
  for (const operation of CONTRACT) t.true(operations.includes(operation), `${operation} is documented`);
  t.deepEqual(document.paths['/v1/members'].post.security, [{ apiKey: [] }, { memberSession: [] }, { memberSessionCookie: [] }]);
  t.deepEqual(document.paths['/v1/door-events'].post.security, [{ doorController: [], doorSignature: [] }]);
  t.truthy(document.paths['/v1/members/bulk'].post.requestBody.content['text/csv']);
  t.truthy(document.components.schemas.Problem);

  // The limits the API enforces are the document's too (schemathesis found them missing): the
  // text rules on request strings, lines where a field holds lines, the refinements of a PATCH.
  const schemas = document.components.schemas;
  t.like(schemas.Login.properties.password, { pattern: '^[^\\u0000-\\u001F\\u007F-\\u009F]*$', maxLength: 256 });
  t.like(schemas.AcceptInvitation.properties.password, { minLength: 12 });
  t.like(schemas.PatchMember, { minProperties: 1, not: { required: ['endsOn', 'endsAt'] } });
  t.is(schemas.PatchMember.properties.name.pattern, '^[^\\u0000-\\u001F\\u007F-\\u009F]*$');
  const reason = document.paths['/v1/members/{id}'].delete.parameters.find((p: { name: string }) => p.name === 'reason');
  t.like(reason.schema, { maxLength: 500, pattern: '^[^\\u0000-\\u001F\\u007F-\\u009F]*$' });
  t.false('pattern' in (schemas.Member.properties.name as object), 'answers are not requests: left as they are');
  // Each pattern says what checkText does: it refuses a NUL and a line break, takes an accent.
  const oneLine = new RegExp(schemas.Login.properties.password.pattern, 'u');
  t.false(oneLine.test('a\u0000b'));
  t.false(oneLine.test('a\nb'));
  t.true(oneLine.test('Crème brûlée 42'));
});

test('bad input is a 4xx problem, never a 500: malformed JSON, wrong types, unknown fields, wrong media type, huge bodies', async (t) => {
  const { api, org } = world;
  const auth = { Authorization: `Bearer ${org.apiKey}` };
  const malformed = await api.call('POST', '/v1/members', { raw: '{"email": "a@b.c",', headers: { ...auth, 'Content-Type': 'application/json' } });
  t.deepEqual(problemOf(malformed), { status: 400, type: 'malformed-json', contentType: problem });

  const wrongTypes = await api.post('/v1/members', { email: 42, role: 'boss', locale: ['fr'] }, { token: org.apiKey });
  t.deepEqual(problemOf(wrongTypes), { status: 400, type: 'validation-failed', contentType: problem });
  t.deepEqual(wrongTypes.body.errors.map((e: { path: string }) => e.path).sort(), ['email', 'locale', 'role']);

  const unknownField = await api.post('/v1/members', { email: `u-${tag()}@acme.test`, isAdmin: true }, { token: org.apiKey });
  t.deepEqual(problemOf(unknownField), { status: 400, type: 'validation-failed', contentType: problem });
  t.regex(JSON.stringify(unknownField.body.errors), /isAdmin/);

  const notAnObject = await api.call('POST', '/v1/members', { raw: '"just a string"', headers: { ...auth, 'Content-Type': 'application/json' } });
  t.is(notAnObject.status, 400);
  const form = await api.call('POST', '/v1/members', { raw: 'email=a@b.c', headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' } });
  t.deepEqual(problemOf(form), { status: 415, type: 'unsupported-media-type', contentType: problem });
  const huge = await api.call('POST', '/v1/members', { raw: JSON.stringify({ email: 'a@b.c', name: 'x'.repeat(2_000_000) }), headers: { ...auth, 'Content-Type': 'application/json' } });
  t.deepEqual(problemOf(huge), { status: 413, type: 'payload-too-large', contentType: problem });
  t.deepEqual(problemOf(await api.get('/v1/members/not-a-uuid', { token: org.apiKey })), { status: 400, type: 'validation-failed', contentType: problem });
  t.deepEqual(problemOf(await api.get(`/v1/members/${crypto.randomUUID()}`, { token: org.apiKey })), { status: 404, type: 'member-not-found', contentType: problem });
  t.deepEqual(problemOf(await api.post('/v1/members', { email: `s-${tag()}@acme.test`, siteId: crypto.randomUUID() }, { token: org.apiKey })), { status: 422, type: 'site-not-found', contentType: problem });
  t.deepEqual(problemOf(await api.post('/v1/members', { email: 'a@b.c' }, { token: org.apiKey, headers: { 'Idempotency-Key': 'has spaces' } })), { status: 400, type: 'idempotency-key-invalid', contentType: problem });

  // Nothing half-written: the refused invitations left no member behind.
  const members = await api.get('/v1/members?q=a@b.c', { token: org.apiKey });
  t.deepEqual(members.body.items, []);
  const metrics = (await api.get('/metrics')).text;
  t.notRegex(metrics, /status="500"/);
  t.regex(metrics, /member_workflow_starts_total \d+/);
  t.regex(metrics, /http_requests_total\{method="POST",route="\/v1\/members",status="400"\} \d+/);
});

test('bulk CSV: good rows invited, bad rows reported with their row number, duplicates skipped', async (t) => {
  const { api } = world;
  const org = await world.newCompany();
  const existing = `exists-${tag()}@acme.test`;
  await api.post('/v1/members', { email: existing }, { token: org.apiKey });
  const ok1 = `ok1-${tag()}@acme.test`;
  const ok2 = `ok2-${tag()}@acme.test`;
  const csv = [
    'email,name,role,site,locale',
    `${ok1},Odile Un,admin,${org.siteName},en`,
    'not-an-email,Bad Row,user,,fr',
    `${ok2},"Martin, Deux",,,`,
    `${existing},Already There,user,,`,
    `other-${tag()}@acme.test,No Site,user,Atlantis,fr`,
    `${ok1},Twice In File,user,,`,
    `${tag()}@acme.test,Bad Role,owner,,`,
    `fr-${tag()}@acme.test,Françoise Admin,Administrateur,,Français`,
  ].join('\n');
  const accepted = await api.call('POST', '/v1/members/bulk', { raw: csv, headers: { Authorization: `Bearer ${org.apiKey}`, 'Content-Type': 'text/csv' } });
  t.is(accepted.status, 202, accepted.text);
  t.is(accepted.body.total, 8);
  t.is(accepted.headers.get('location'), `/v1/imports/${accepted.body.importId}`);

  const done = await waitFor('the import to finish', async () => {
    const r = await api.get(`/v1/imports/${accepted.body.importId}`, { token: org.apiKey });
    return r.body.status === 'finished' ? r.body : undefined;
  });
  t.like(done, { total: 8, processed: 8, created: 3, skipped: 2, failed: 3 });
  t.deepEqual(done.errors.map((e: { row: number; outcome: string }) => [e.row, e.outcome]), [[3, 'failed'], [5, 'skipped'], [6, 'failed'], [7, 'skipped'], [8, 'failed']]);
  t.regex(done.errors[0].message, /email/);
  t.regex(done.errors[2].message, /Atlantis/);
  // A role that is none names what is: in English and in French, as spreadsheets are written.
  const badRole = await query<{ reason_params: { fields: string } }>(world.url, 'select reason_params from member_import_row where member_import_id = $1 and position = 7', [accepted.body.importId]);
  t.is(badRole.rows[0]!.reason_params.fields, 'role (admin/administrateur, user/utilisateur)');
  const french = (await api.get(`/v1/members?q=${encodeURIComponent('Françoise')}`, { token: org.apiKey })).body.items[0];
  t.like(french, { role: 'admin', locale: 'fr' }, 'Administrateur and Français read as admin and fr');
  const listed = await api.get(`/v1/members?q=${encodeURIComponent(ok2)}`, { token: org.apiKey });
  t.like(listed.body.items[0], { name: 'Martin, Deux', role: 'user', locale: 'fr', status: 'invited' });
  t.is((await api.get(`/v1/members?q=${encodeURIComponent(ok1)}`, { token: org.apiKey })).body.items[0].role, 'admin');

  const other = await world.newCompany();
  t.deepEqual(problemOf(await api.get(`/v1/imports/${accepted.body.importId}`, { token: other.apiKey })), { status: 404, type: 'import-not-found', contentType: problem });
});

test('bulk JSON, and files that are not member lists at all', async (t) => {
  const { api, org } = world;
  const emails = [0, 1, 2].map((i) => `json-${i}-${tag()}@acme.test`);
  const accepted = await api.post('/v1/members/bulk', { members: emails.map((email) => ({ email, locale: 'en' })) }, { token: org.apiKey });
  t.is(accepted.status, 202);
  const done = await waitFor('the import to finish', async () => {
    const r = await api.get(`/v1/imports/${accepted.body.importId}`, { token: org.apiKey });
    return r.body.status === 'finished' ? r.body : undefined;
  });
  t.like(done, { created: 3, failed: 0, skipped: 0, errors: [] });

  const csv = (body: string) => api.call('POST', '/v1/members/bulk', { raw: body, headers: { Authorization: `Bearer ${org.apiKey}`, 'Content-Type': 'text/csv' } });
  t.deepEqual(problemOf(await csv('email,name\n"unterminated,x\n')), { status: 400, type: 'csv-invalid', contentType: problem });
  t.deepEqual(problemOf(await csv('mail,name\na@b.c,x\n')), { status: 400, type: 'csv-invalid', contentType: problem });
  t.deepEqual(problemOf(await csv('email,name\n')), { status: 400, type: 'import-empty', contentType: problem });
  t.deepEqual(problemOf(await api.post('/v1/members/bulk', { members: [] }, { token: org.apiKey })), { status: 400, type: 'validation-failed', contentType: problem });
  t.deepEqual(problemOf(await api.post('/v1/members/bulk', { members: 'a@b.c' }, { token: org.apiKey })), { status: 400, type: 'validation-failed', contentType: problem });
});

test('a method HTTP does not define (PROPFIND) is a 501; a standard one a path does not take (TRACE included) a 405 with Allow, both problem+json', async (t) => {
  const { api, org } = world;
  // Node's parser refuses names it does not know (400); PROPFIND is WebDAV's, not HTTP's.
  const unknown = await rawRequest(api.url, 'PROPFIND', '/healthz');
  t.deepEqual(problemOf(unknown), { status: 501, type: 'not-implemented', contentType: problem });
  // What schemathesis checks: TRACE (or QUERY) on a path that exists is "not allowed here", with Allow.
  for (const method of ['TRACE', 'QUERY']) {
    for (const path of ['/healthz', '/v1/members', '/scim/v2/Users', '/login']) {
      const reply = await rawRequest(api.url, method, path);
      t.is(reply.status, 405, `${method} ${path}`);
      t.regex(reply.headers.get('allow') ?? '', /GET/, `${method} ${path}`);
    }
  }
  // A path of its own beside a parameter (/v1/members/bulk beside /v1/members/{id}).
  const bulk = await api.call('PATCH', '/v1/members/bulk', { token: org.apiKey, body: {} });
  t.deepEqual(problemOf(bulk), { status: 405, type: 'method-not-allowed', contentType: problem });
  t.is(bulk.headers.get('allow'), 'POST');
  const put = await api.call('PUT', '/healthz');
  t.deepEqual(problemOf(put), { status: 405, type: 'method-not-allowed', contentType: problem });
  t.regex(put.headers.get('allow') ?? '', /GET/);
  const members = await api.call('PUT', '/v1/members', { token: org.apiKey, body: {} });
  t.deepEqual(problemOf(members), { status: 405, type: 'method-not-allowed', contentType: problem });
  t.deepEqual((members.headers.get('allow') ?? '').split(/,\s*/).sort(), ['GET', 'HEAD', 'POST']);
  const page = await api.call('PUT', '/login');
  t.is(page.status, 405);
  t.regex(page.headers.get('allow') ?? '', /POST/);
  t.is((await rawRequest(api.url, 'PROPFIND', '/login')).status, 501);
});

test('text with control characters, too long or nested too deep is a 400 naming the field, and nothing is written', async (t) => {
  const { api, org } = world;
  const nul = await api.post('/v1/members', { email: `nul-${tag()}@acme.test`, name: 'Ada\u0000Lovelace' }, { token: org.apiKey });
  t.deepEqual(problemOf(nul), { status: 400, type: 'invalid-text', contentType: problem });
  t.is(nul.body.field, 'name');
  t.regex(nul.body.title, /name: contains a control character \(U\+0000\)/);
  t.is((await api.post('/v1/members', { email: `nl-${tag()}@acme.test`, name: 'Ada\nLovelace' }, { token: org.apiKey })).body.field, 'name');
  t.deepEqual(problemOf(await api.get('/v1/members?q=%00', { token: org.apiKey })), { status: 400, type: 'invalid-text', contentType: problem });
  t.deepEqual(problemOf(await api.get('/v1/audit?actor=a%00b', { token: org.apiKey })), { status: 400, type: 'invalid-text', contentType: problem });
  t.deepEqual(problemOf(await api.get('/v1/audit?type=%C2%85x', { token: org.apiKey })), { status: 400, type: 'invalid-text', contentType: problem });
  t.deepEqual(problemOf(await api.delete(`/v1/members/${crypto.randomUUID()}?reason=left%00`, { token: org.apiKey })), { status: 400, type: 'invalid-text', contentType: problem });

  // A row nested 50,000 levels deep: refused without walking it recursively.
  const deep = '{"members":[' + '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000) + ']}';
  const nested = await api.call('POST', '/v1/members/bulk', { raw: deep, headers: { Authorization: `Bearer ${org.apiKey}`, 'Content-Type': 'application/json' } });
  t.deepEqual(problemOf(nested), { status: 400, type: 'invalid-text', contentType: problem });
  t.regex(nested.body.title, /nested more than/);
  const csv = await api.call('POST', '/v1/members/bulk', { raw: `email,name\nok-${tag()}@acme.test,Zoé\u0000\n`, headers: { Authorization: `Bearer ${org.apiKey}`, 'Content-Type': 'text/csv' } });
  t.deepEqual(problemOf(csv), { status: 400, type: 'invalid-text', contentType: problem });
  t.regex(csv.body.title, /row 2, column name/);

  // NFC: the same name typed in two Unicode forms is stored in one.
  const email = `nfc-${tag()}@acme.test`;
  const invited = await api.post('/v1/members', { email, name: 'Zoe\u0301 Martin' }, { token: org.apiKey });
  t.is(invited.status, 201, invited.text);
  t.is(invited.body.name, 'Zoé Martin');
  t.is(invited.body.name, 'Zo\u00e9 Martin');

  const { rows } = await query(world.url, `select count(*)::int as n from member where email like 'nul-%' or email like 'nl-%' or email like 'ok-%'`);
  t.is(rows[0]!.n, 0, 'nothing was half-written');
});

test('cursors and time filters this API never gave out are 400, not 500', async (t) => {
  const { api, org } = world;
  const cursor = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');
  const id = crypto.randomUUID();
  for (const parts of [['2026-01-01T00:00:00Z', 'zzz'], ['1', id], ['+275760-09-13T00:00:00Z', id], ['2026-13-45 99:00:00+00', id], [1, 2, 3], 'x']) {
    t.deepEqual(problemOf(await api.get(`/v1/members?cursor=${cursor(parts)}`, { token: org.apiKey })), { status: 400, type: 'cursor-invalid', contentType: problem }, JSON.stringify(parts));
  }
  t.deepEqual(problemOf(await api.get(`/v1/audit?cursor=${cursor([-1])}`, { token: org.apiKey })), { status: 400, type: 'cursor-invalid', contentType: problem });
  for (const from of ['0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '2026-13-01T00:00:00Z']) {
    t.deepEqual(problemOf(await api.get(`/v1/audit?from=${encodeURIComponent(from)}`, { token: org.apiKey })), { status: 400, type: 'validation-failed', contentType: problem }, from);
  }
  // A real cursor still pages.
  await api.post('/v1/members', { email: `page-${tag()}@acme.test` }, { token: org.apiKey });
  const first = await api.get('/v1/members?limit=1', { token: org.apiKey });
  t.truthy(first.body.nextCursor);
  t.is((await api.get(`/v1/members?limit=1&cursor=${first.body.nextCursor}`, { token: org.apiKey })).status, 200);
});

// A member's rights over the API (export, erasure), the operator's retention settings, and the
// audit trail's hash chains checked offline by `npm run audit:verify`, with a real worker,
// PostgreSQL and SMTP behind.
import test from 'ava';
import pg from 'pg';
import { pseudonymOf } from '../domain/members/erase-member.ts';
import { apiWorld, problemOf, tag, type ApiWorld } from './helpers/api.ts';
import { query } from './helpers/database.ts';
import { auditVerify, unzipTexts } from './helpers/files.ts';
import { fileScope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
const problem = 'application/problem+json';
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

async function download(pathname: string, token: string): Promise<Buffer> {
  const response = await fetch(world.appUrl + pathname, { headers: { Authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  if (!/^application\/zip/.test(response.headers.get('content-type') ?? '')) throw new Error(`${pathname}: ${response.headers.get('content-type')}`);
  return Buffer.from(await response.arrayBuffer());
}

/** A member with a card, Wi-Fi, a passage at a door, a Wi-Fi session and a visit: something in every file. */
async function busyMember() {
  const { api, org } = world;
  const name = `Léa Exportée ${tag()}`;
  const m = await world.member({ name });
  const card = (await api.post(`/v1/sites/${org.siteId}/cards`, { cards: [{ number: `X${tag()}` }] }, { token: world.operatorKey })).body.items[0].number as string;
  const enrolled = await api.post(`/v1/members/${m.id}/cards`, { cardNumber: card }, { token: org.apiKey });
  if (enrolled.status !== 200) throw new Error(enrolled.text);
  const door = (await api.post(`/v1/sites/${org.siteId}/door-controllers`, { name: `Hall ${tag()}` }, { token: world.operatorKey })).body.id as string;
  await query(world.url, `insert into entry_event (door_controller_id, event_id, site_id, type, card_number, member_id, organization_id, occurred_at, received_at) values ($1, gen_random_uuid(), $2, 'granted', $3, $4, $5, now(), now())`, [door, org.siteId, card, m.id, org.companyId]);
  const wifi = await waitFor('Wi-Fi credentials', async () => {
    const r = await api.get('/v1/me/wifi', { token: m.token });
    return r.status === 200 ? (r.body as { username: string }) : undefined;
  });
  await query(world.url, `insert into radius.radacct (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime, acctstoptime, acctsessiontime, callingstationid, acctinputoctets, acctoutputoctets) values ($1, $1, $2, '10.0.0.7', now() - interval '1 hour', now(), 3600, '02-00-00-00-00-09', 1000, 2000)`, [`s-${tag()}`, wifi.username]);
  await query(world.url, `insert into visit (id, site_id, organization_id, host_id, kind, status, visitor_name, visitor_email, locale, date, expected_at, valid_from, valid_until, created_by, created_at) values (gen_random_uuid(), $1, $2, $3, 'invited', 'expected', 'Victor Visiteur', 'victor@example.net', 'en', current_date, '10:00', now(), now(), 'test', now())`, [org.siteId, org.companyId, m.id]);
  await waitFor('the access e-mail to be sent', async () => (await query(world.url, `select 1 from email_outbox where member_id = $1 and template = 'access_active' and status = 'sent'`, [m.id])).rowCount || undefined);
  return { ...m, name, card, wifi };
}

test('export: the member and an admin download a zip of JSON and CSV with the profile, history, entry events, e-mails (recipient, subject, time), Wi-Fi sessions and visits hosted', async (t) => {
  const { org } = world;
  const m = await busyMember();
  const files = await unzipTexts(await download('/v1/me/export', m.token));
  t.deepEqual(Object.keys(files).sort(), ['README.txt', 'actions-on-others.csv', 'actions-on-others.json', 'emails.csv', 'emails.json', 'entry-events.csv', 'entry-events.json', 'history.csv', 'history.json', 'passkeys.csv', 'passkeys.json', 'profile.json', 'visits-hosted.csv', 'visits-hosted.json', 'wifi-sessions.csv', 'wifi-sessions.json']);
  t.like(JSON.parse(files['profile.json']!), { id: m.id, email: m.email, name: m.name, status: 'active' });
  const history = JSON.parse(files['history.json']!) as { type: string; data: Record<string, unknown> }[];
  t.true(history.some((e) => e.type === 'member.invited' && e.data.email === m.email), 'their invitation, with the address it went to');
  t.like(JSON.parse(files['entry-events.json']!)[0], { type: 'granted', card: m.card });
  const emails = JSON.parse(files['emails.json']!) as { to: string; subject: string; sentAt: string }[];
  t.true(emails.length >= 2);
  t.true(emails.every((e) => e.to === m.email && e.subject.length > 3 && e.sentAt), 'recipient, subject and time of each');
  t.like(JSON.parse(files['wifi-sessions.json']!)[0], { seconds: 3600, accessPoint: '10.0.0.7', device: '02-00-00-00-00-09', bytesIn: 1000 });
  const visits = files['visits-hosted.json']!;
  t.like(JSON.parse(visits)[0], { kind: 'invited', status: 'expected' });
  t.false(visits.includes('Victor') || visits.includes('victor@'), "the visitor's own data is not the host's");
  t.regex(files['emails.csv']!.split('\n')[0]!, /^to,subject,template,status,queuedAt,sentAt$/);
  t.regex(files['README.txt']!, /Vos données/);

  const byAdmin = await unzipTexts(await download(`/v1/members/${m.id}/export`, org.apiKey));
  t.is(JSON.parse(byAdmin['profile.json']!).email, m.email);
  const other = await world.newCompany();
  t.deepEqual(problemOf(await world.api.get(`/v1/members/${m.id}/export`, { token: other.apiKey })).status, 404, 'another company never reads them');
});

test('erasure: refused while the member is here (409, remove first); once removed, their personal data is gone, a pseudonym stays, the erasure is audited, and a second request changes nothing', async (t) => {
  const { api, org } = world;
  const m = await busyMember();
  t.deepEqual(problemOf(await api.post(`/v1/members/${m.id}/erase`, undefined, { token: org.apiKey })), { status: 409, type: 'member-not-removed', contentType: problem });
  t.is((await api.get(`/v1/members/${m.id}`, { token: org.apiKey })).body.email, m.email, 'nothing was erased');

  t.is((await api.delete(`/v1/members/${m.id}?reason=${encodeURIComponent('départ volontaire')}`, { token: org.apiKey })).status, 202);
  await waitFor('the removal', async () => (await api.get(`/v1/members/${m.id}`, { token: org.apiKey })).body.status === 'removed' || undefined);
  // Until the offboarding's report is written (it names them), the erasure waits its turn.
  const erased = await waitFor('the erasure to be taken', async () => {
    const r = await api.post(`/v1/members/${m.id}/erase`, undefined, { token: org.apiKey });
    if (r.status === 409 && r.body.type.endsWith('removal-in-progress')) return undefined;
    return r;
  });
  t.is(erased.status, 200, erased.text);
  t.like(erased.body, { memberId: m.id, pseudonym: pseudonymOf(m.id), now: true });
  t.regex(erased.body.pseudonym, /^Membre [0-9a-f]{6}$/);

  const after = (await api.get(`/v1/members/${m.id}`, { token: org.apiKey })).body;
  t.like(after, { name: erased.body.pseudonym, email: `${m.id}@erased.invalid`, status: 'removed' });
  const left = async (sql: string, params: unknown[] = [m.id]) => Number((await query<{ n: number }>(world.url, sql, params)).rows[0]!.n);
  t.is(await left('select count(*)::int as n from wifi_credential where member_id = $1'), 0, 'Wi-Fi credentials');
  t.is(await left('select count(*)::int as n from radius.radacct where username = $1', [m.wifi.username]), 0, 'Wi-Fi sessions');
  t.is(await left('select count(*)::int as n from email_outbox where member_id = $1'), 0, 'e-mails');
  t.is(await left('select count(*)::int as n from auth_token where member_id = $1'), 0, 'sessions and links');
  const { rows: still } = await query<{ type: string; personal: string }>(world.url, 'select type, personal from audit_event where member_id = $1 and personal is not null', [m.id]);
  t.deepEqual(still, [], 'personal audit fields');
  const { rows: text } = await query<{ all: string }>(world.url, `select string_agg(data::text, ' ') as all from audit_event where member_id = $1`, [m.id]);
  t.false(text[0]!.all.includes(m.email) || text[0]!.all.includes('départ volontaire'), 'nor in what the audit keeps');
  const history = (await api.get(`/v1/members/${m.id}/history`, { token: org.apiKey })).body.items as { type: string }[];
  t.true(['member.invited', 'member.removed', 'member.erased'].every((type) => history.some((e) => e.type === type)), 'the history is still told, under the pseudonym');
  const files = await unzipTexts(await download(`/v1/members/${m.id}/export`, org.apiKey));
  t.false(Object.values(files).some((f) => f.includes(m.email) || f.includes(m.name)), 'the export finds nothing of them either');

  t.like((await api.post(`/v1/members/${m.id}/erase`, undefined, { token: org.apiKey })).body, { now: false, pseudonym: erased.body.pseudonym });
  const again = (await api.get(`/v1/members/${m.id}/history`, { token: org.apiKey })).body.items as { type: string }[];
  t.is(again.filter((e) => e.type === 'member.erased').length, 1, 'the second request audited nothing more');
  t.is(problemOf(await api.post(`/v1/members/${crypto.randomUUID()}/erase`, undefined, { token: org.apiKey })).status, 404);
});

test('the audit is a hash chain: an untouched export verifies offline and its head is GET /v1/audit/head; a row changed in SQL breaks it at that event; an erasure keeps it whole', async (t) => {
  const { api } = world;
  const org = await world.newCompany();
  const key = { token: org.apiKey };
  const invited = await api.post('/v1/members', { email: `chain-${tag()}@acme.test`, name: 'Chaîne Témoin' }, key);
  t.is((await api.delete(`/v1/members/${invited.body.id}?reason=test`, key)).status, 202);
  await waitFor('the removal', async () => (await api.get(`/v1/members/${invited.body.id}`, key)).body.status === 'removed' || undefined);
  const csv = async () => (await api.get('/v1/audit?format=csv', key)).text;
  const head = async () => ((await api.get('/v1/audit/head', key)).body as { chains: { chain: string; seq: number; hash: string }[] }).chains;
  // The removal's last e-mails may still be going out: an export between two equal heads is whole.
  const quiet = await waitFor('an export between two equal heads', async () => {
    const [before, text, after] = [await head(), await csv(), await head()];
    return JSON.stringify(before) === JSON.stringify(after) ? { text, chains: after } : undefined;
  });
  t.is(quiet.chains.length, 1);
  t.is(quiet.chains[0]!.chain, `company:${org.companyId}`);
  const clean = await auditVerify(quiet.text);
  t.is(clean.code, 0, clean.out);
  t.regex(clean.out, /OK: \d+ event\(s\) verified in 1 chain\(s\)/);
  t.true(clean.out.includes(`events 1–${quiet.chains[0]!.seq}, head ${quiet.chains[0]!.hash}`), `the export ends at the head: ${clean.out}`);

  t.is((await waitFor('the erasure', async () => {
    const r = await api.post(`/v1/members/${invited.body.id}/erase`, undefined, key);
    return r.status === 409 ? undefined : r;
  })).status, 200);
  const afterErasure = await auditVerify(await csv());
  t.is(afterErasure.code, 0, `an erasure keeps the chain verifiable: ${afterErasure.out}`);

  // Whoever can bypass the triggers (a superuser) rewrites a past event, then puts it back.
  const bypass = (statement: string) => query(world.url, `begin; set local session_replication_role = replica; ${statement}; commit;`);
  const { rows } = await query<{ id: string; actor: string }>(world.url, `select id, actor from audit_event where organization_id = $1 and type = 'member.invited' limit 1`, [org.companyId]);
  const target = rows[0]!;
  await bypass(`update audit_event set actor = 'api-key:someone-else' where id = ${Number(target.id)}`);
  const tampered = await auditVerify(await csv());
  t.is(tampered.code, 1);
  t.regex(tampered.out, new RegExp(`BROKEN at event ${target.id} \\(company:${org.companyId} #\\d+\\): its fields are not what was hashed`));
  await bypass(`update audit_event set actor = '${target.actor}' where id = ${Number(target.id)}`);
  t.is((await auditVerify(await csv())).code, 0, 'put back, it verifies again');

  const { rows: later } = await query<{ id: string; seq: string }>(world.url, `select id, seq from audit_event where organization_id = $1 and id > $2 order by id limit 2`, [org.companyId, target.id]);
  await bypass(`delete from audit_event where id = ${Number(later[0]!.id)}`);
  const deleted = await auditVerify(await csv());
  t.is(deleted.code, 1);
  t.regex(deleted.out, new RegExp(`BROKEN at event ${later[1]!.id} .*event ${later[0]!.seq} of the chain is missing before it`), 'a deleted event breaks it at the next one');
});

test('two events written at once may commit in the other order than their ids: the chain follows the commits, and the export still verifies', async (t) => {
  const { api } = world;
  const org = await world.newCompany();
  const clients = [new pg.Client({ connectionString: world.url }), new pg.Client({ connectionString: world.url })];
  await Promise.all(clients.map((c) => c.connect()));
  t.teardown(() => Promise.all(clients.map((c) => c.end())));
  const [first, second] = clients as [pg.Client, pg.Client];
  const write = async (client: pg.Client, type: string) => {
    await client.query('begin');
    return (await client.query<{ id: string }>(`insert into audit_event (organization_id, actor, type, data, occurred_at) values ($1, 'test', $2, '{}', now()) returning id`, [org.companyId, type])).rows[0]!.id;
  };
  const lower = await write(first, 'test.first');
  const higher = await write(second, 'test.second');
  await second.query('commit');
  await first.query('commit');
  const { rows } = await query<{ id: string; seq: string }>(world.url, `select id, seq from audit_event where id in (${Number(lower)}, ${Number(higher)}) order by id`);
  t.true(Number(rows[0]!.seq) > Number(rows[1]!.seq), `the lower id was linked after the higher one: ${JSON.stringify(rows)}`);

  const exported = await auditVerify((await api.get('/v1/audit?format=csv', { token: org.apiKey })).text);
  t.is(exported.code, 0, exported.out);
  t.regex(exported.out, new RegExp(`company:${org.companyId}: events 1–${rows[0]!.seq},`));
});

test('retention settings: the operator reads the CNIL defaults, changes them within bounds (audited), and a company cannot', async (t) => {
  const { api } = world;
  const operator = { token: world.operatorKey };
  const before = await api.get('/v1/retention', operator);
  t.is(before.status, 200);
  t.like(before.body, { defaults: { entryEventDays: 90, visitorDays: 90, messageDays: 30, pseudonymiseAfterMonths: 12 } });
  t.deepEqual(problemOf(await api.put('/v1/retention', { entryEventDays: 120 }, operator)), { status: 400, type: 'validation-failed', contentType: problem }, 'beyond the CNIL\'s three months');
  t.deepEqual(problemOf(await api.put('/v1/retention', { pseudonymiseAfterMonths: 61 }, operator)).status, 400);
  t.deepEqual(problemOf(await api.put('/v1/retention', { forever: true }, operator)).status, 400);
  const set = await api.put('/v1/retention', { entryEventDays: 30, pseudonymiseAfterMonths: 6 }, operator);
  t.is(set.status, 200, set.text);
  t.like(set.body, { settings: { entryEventDays: 30, visitorDays: 90, messageDays: 30, pseudonymiseAfterMonths: 6 }, overrides: { entryEventDays: 30, pseudonymiseAfterMonths: 6 } });
  t.like((await api.get('/v1/retention', operator)).body, { settings: { entryEventDays: 30 } });
  const audited = await api.get('/v1/audit?type=retention.changed&format=json', operator);
  t.true(audited.body.items.some((e: { data: { to: Record<string, number> } }) => e.data.to.entryEventDays === 30));
  t.is(problemOf(await api.get('/v1/retention', { token: world.org.apiKey })).status, 403);
  t.is((await api.put('/v1/retention', {}, operator)).body.settings.entryEventDays, 90, 'an empty choice goes back to the defaults');
});

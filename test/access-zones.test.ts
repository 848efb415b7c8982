// Who opens which door: zones, grants, per-door access lists and their versions, against the real
// API, PostgreSQL and the member lifecycle on Temporal.
import test from 'ava';
import { apiWorld, invitationToken, PASSWORD, problemOf, tag, type ApiWorld, type Reply } from './helpers/api.ts';
import { query } from './helpers/database.ts';
import { fileScope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';
import { signDoorRequest } from '../domain/door/signatures.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

type Door = { id: string; secret: string; list(etag?: string): Promise<Reply> };
const numbers = (reply: Reply) => (reply.body.cards as { number: string }[]).map((c) => c.number);

/** A building shared by two companies: the entrance (common zone) and a suite each. */
async function sharedBuilding() {
  const op = { token: world.operatorKey };
  const site = (await world.newSite({ name: `Tower ${tag()}`, timeZone: 'Europe/Paris' })).body as { id: string };
  const b = await world.api.post('/v1/companies', { name: `Beta ${tag()}`, siteIds: [site.id], admin: { email: `admin-${tag()}@beta.test` } }, op);
  t0(b, 201);
  const companies = { a: { id: world.org.companyId, key: world.org.apiKey }, b: { id: b.body.id as string, key: b.body.apiKey as string } };
  const zones = (await world.api.get(`/v1/sites/${site.id}/zones`, op)).body.items as { id: string; common: boolean; name: string }[];
  const entrance = zones.find((z) => z.common)!;
  const suiteA = (await world.api.post(`/v1/sites/${site.id}/zones`, { name: 'Suite 301' }, op)).body as { id: string };
  const suiteB = (await world.api.post(`/v1/sites/${site.id}/zones`, { name: 'Suite 302' }, op)).body as { id: string };
  t0(await world.api.put(`/v1/companies/${companies.a.id}/zones/${suiteA.id}`, { schedule: null }, op), 200);
  t0(await world.api.put(`/v1/companies/${companies.b.id}/zones/${suiteB.id}`, { schedule: null }, op), 200);
  const door = async (zoneId?: string): Promise<Door> => {
    const created = await world.api.post(`/v1/sites/${site.id}/door-controllers`, { name: `Door ${tag()}`, ...(zoneId ? { zoneId } : {}) }, op);
    t0(created, 201);
    const { id, secret } = created.body as { id: string; secret: string };
    return {
      id,
      secret,
      list: (etag) => world.api.call('GET', `/v1/door-controllers/${id}/access-list`, { headers: { 'X-Door-Controller': id, 'X-Signature': signDoorRequest(secret, ''), ...(etag ? { 'If-None-Match': etag } : {}) } }),
    };
  };
  const doors = { entrance: await door(), suiteA: await door(suiteA.id), suiteB: await door(suiteB.id) };
  /** An active member of `company` with a card: invited, password set, card registered by the admin. */
  const activeMember = async (company: { id: string; key: string }, extra: Record<string, unknown> = {}) => {
    const number = `Z${tag()}`;
    t0(await world.api.post(`/v1/sites/${site.id}/cards`, { cards: [{ number }] }, op), 201);
    const email = `m-${tag()}@shared.test`;
    const invited = await world.api.post('/v1/members', { email, name: 'Camille Durand', siteId: site.id, locale: 'en', ...extra }, { token: company.key });
    t0(invited, 201);
    t0(await world.api.post(`/v1/invitations/${encodeURIComponent(await invitationToken(email))}/accept`, { password: PASSWORD }), 201);
    t0(await world.api.post(`/v1/members/${invited.body.id}/cards`, { cardNumber: number }, { token: company.key }), 200);
    return { id: invited.body.id as string, number };
  };
  return { site, companies, zones: { entrance, suiteA, suiteB }, doors, activeMember, op };
}

function t0(reply: Reply, status: number): void {
  if (reply.status !== status) throw new Error(`expected ${status}, got ${reply.status}: ${reply.text}`);
}

test('two companies share a site: A’s card is on the entrance’s and A’s suite’s lists, never on B’s; taking a grant away changes that door’s list only', async (t) => {
  const b = await sharedBuilding();
  const alice = await b.activeMember(b.companies.a);
  const bob = await b.activeMember(b.companies.b);
  const entrance = await b.doors.entrance.list();
  const suiteA = await b.doors.suiteA.list();
  const suiteB = await b.doors.suiteB.list();
  t.deepEqual(numbers(entrance).sort(), [alice.number, bob.number].sort(), 'both companies use the entrance');
  t.deepEqual(numbers(suiteA), [alice.number]);
  t.deepEqual(numbers(suiteB), [bob.number]);
  t.is(entrance.body.timeZone, 'Europe/Paris');
  t.like(entrance.body.cards[0], { windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }], closures: [], dates: null, validFrom: null, validUntil: null });

  // B's suite is taken from B: its door's list empties, the others keep their versions (304).
  const etag = (r: Reply) => r.headers.get('etag')!;
  t.is((await world.api.call('DELETE', `/v1/companies/${b.companies.b.id}/zones/${b.zones.suiteB.id}`, b.op)).status, 204);
  t.is((await b.doors.entrance.list(etag(entrance))).status, 304);
  t.is((await b.doors.suiteA.list(etag(suiteA))).status, 304);
  const after = await b.doors.suiteB.list(etag(suiteB));
  t.is(after.status, 200);
  t.deepEqual(numbers(after), []);
  t.deepEqual(numbers(await b.doors.entrance.list()).sort(), [alice.number, bob.number].sort(), 'Bob still enters the building');

  // The server's decision says the same, and why.
  const check = await world.api.get(`/v1/sites/${b.site.id}/access-check?doorControllerId=${b.doors.suiteB.id}&cardNumber=${bob.number}`, b.op);
  t.like(check.body, { granted: false, reason: 'zone_not_granted' });
  t.like((await world.api.get(`/v1/sites/${b.site.id}/access-check?doorControllerId=${b.doors.suiteA.id}&cardNumber=${alice.number}`, b.op)).body, { granted: true, reason: null });
});

test('a member’s access days change their company’s doors and the entrance, not another company’s suite; audited from → to, sent as member.access_changed', async (t) => {
  const b = await sharedBuilding();
  const alice = await b.activeMember(b.companies.a);
  await b.activeMember(b.companies.b);
  const before = { entrance: await b.doors.entrance.list(), suiteA: await b.doors.suiteA.list(), suiteB: await b.doors.suiteB.list() };
  const patched = await world.api.patch(`/v1/members/${alice.id}`, { accessDays: ['business_week'] }, { token: b.companies.a.key });
  t.is(patched.status, 200, patched.text);
  t.deepEqual(patched.body.accessDays, ['business_week']);
  t.is((await b.doors.suiteB.list(before.suiteB.headers.get('etag')!)).status, 304, 'another company’s suite is untouched');
  const entrance = await b.doors.entrance.list(before.entrance.headers.get('etag')!);
  t.is(entrance.status, 200);
  const entry = (entrance.body.cards as { number: string; windows: unknown }[]).find((c) => c.number === alice.number)!;
  t.deepEqual(entry.windows, [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '06:00', to: '22:00' }]);
  t.is((await b.doors.suiteA.list(before.suiteA.headers.get('etag')!)).status, 200);

  const history = (await world.api.get(`/v1/members/${alice.id}/history`, { token: b.companies.a.key })).body.items as { type: string; data: Record<string, unknown> }[];
  t.like(history.find((e) => e.type === 'member.access_changed')?.data, { accessDays: { from: null, to: ['business_week'] } });
  const { rows } = await query<{ type: string }>(world.url, `select type from webhook_event where member_id = $1 and type = 'member.access_changed'`, [alice.id]);
  t.is(rows.length, 1);
});

test('bad input names its field and writes nothing: a window ending before it starts, a zone of another site, access days wider than the grant, a day pass without dates or names', async (t) => {
  const b = await sharedBuilding();
  const bad = async (reply: Promise<Reply>, field: string) => {
    const r = await reply;
    t.is(r.status, 400, r.text);
    t.is(problemOf(r).contentType, 'application/problem+json');
    t.true(JSON.stringify(r.body).includes(field), `${field} named in ${r.text}`);
  };
  const count = async (sql: string, args: unknown[]) => Number((await query<{ n: number }>(world.url, sql, args)).rows[0]!.n);
  const grants = () => count('select count(*)::int as n from zone_grant where zone_id = $1', [b.zones.suiteA.id]);
  const grantsBefore = await grants();
  await bad(world.api.put(`/v1/companies/${b.companies.a.id}/zones/${b.zones.suiteA.id}`, { schedule: { weekly: [{ days: ['mon'], from: '18:00', to: '09:00' }] } }, b.op), 'schedule.weekly[0].to');
  await bad(world.api.put(`/v1/sites/${b.site.id}/opening-hours`, { openingHours: { weekly: [{ days: ['mon'], from: '23:00', to: '07:00' }], closures: [] } }, b.op), 'openingHours.weekly[0].to');
  t.is(await grants(), grantsBefore);
  // A zone of another site: granted to a company that has not that site, a door moved into it.
  const other = (await world.newSite({ name: `Annex ${tag()}` })).body as { id: string };
  const otherZone = ((await world.api.get(`/v1/sites/${other.id}/zones`, b.op)).body.items as { id: string }[])[0]!;
  await bad(world.api.put(`/v1/companies/${b.companies.b.id}/zones/${otherZone.id}`, { schedule: null }, b.op), 'zoneId');
  await bad(world.api.put(`/v1/sites/${b.site.id}/door-controllers/${b.doors.suiteA.id}/zone`, { zoneId: otherZone.id }, b.op), 'zoneId');

  // B is granted the entrance on the business week only: Saturday is wider.
  const businessWeek = { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '06:00', to: '22:00' }], closures: [] };
  t.is((await world.api.put(`/v1/companies/${b.companies.b.id}/zones/${b.zones.entrance.id}`, { schedule: businessWeek }, b.op)).status, 200);
  t.is((await world.api.call('DELETE', `/v1/companies/${b.companies.b.id}/zones/${b.zones.suiteB.id}`, b.op)).status, 204);
  const members = () => count('select count(*)::int as n from member where organization_id = $1', [b.companies.b.id]);
  const membersBefore = await members();
  const invite = (body: Record<string, unknown>) => world.api.post('/v1/members', { email: `x-${tag()}@beta.test`, siteId: b.site.id, ...body }, { token: b.companies.b.key });
  await bad(invite({ name: 'Ann Lee', accessDays: ['business_week', 'saturday'] }), 'accessDays');
  await bad(invite({ name: 'Ann Lee', accessDays: ['always'] }), 'accessDays');
  await bad(invite({ name: 'Ann Lee', kind: 'day_pass' }), 'dates');
  await bad(invite({ name: 'Ann', kind: 'day_pass', dates: ['2099-01-05'] }), 'name');
  await bad(invite({ name: 'Ann Lee', kind: 'day_pass', dates: ['2020-01-05'] }), 'dates');
  await bad(invite({ name: 'Ann Lee', dates: ['2099-01-05'] }), 'dates');
  t.is(await members(), membersBefore, 'no member was written');
  const ok = await invite({ name: 'Ann Lee', accessDays: ['business_week'] });
  t.is(ok.status, 201, ok.text);
});

test('entry events: a batch sent again stores nothing twice; the operator reads who is present now and the log (CSV); a company admin reads neither', async (t) => {
  const b = await sharedBuilding();
  const alice = await b.activeMember(b.companies.a);
  const bob = await b.activeMember(b.companies.b);
  const d = b.doors.entrance;
  const upload = (events: unknown[]) => {
    const raw = JSON.stringify({ events });
    return world.api.call('POST', `/v1/door-controllers/${d.id}/events`, { raw, headers: { 'Content-Type': 'application/json', 'X-Door-Controller': d.id, 'X-Signature': signDoorRequest(d.secret, raw) } });
  };
  const now = Date.now();
  const ev = (type: 'granted' | 'denied', cardNumber: string, minutesAgo: number, reason?: string) => ({ id: crypto.randomUUID(), type, cardNumber, at: new Date(now - minutesAgo * 60_000).toISOString(), ...(reason ? { reason } : {}) });
  const first = [ev('granted', alice.number, 3), ev('granted', bob.number, 2), ev('denied', 'STRANGER', 1, 'unknown_card')];
  t.like((await upload(first)).body, { received: 3, stored: 3, duplicates: 0 });
  // The answer was lost: the controller sends the batch again, plus one new event.
  const later = ev('denied', bob.number, 0, 'outside_hours');
  // Two retries at once, each signed anew (the same signed request twice is a replay, refused).
  const again = await Promise.all([upload([...first, later]), upload([later, ...first])]);
  t.deepEqual(again.map((r) => r.status), [200, 200]);
  t.is(again.reduce((n, r) => n + r.body.stored, 0), 1, 'only the new event is stored, once, even sent twice at once');
  const { rows } = await query<{ n: number }>(world.url, 'select count(*)::int as n from entry_event where door_controller_id = $1', [d.id]);
  t.is(rows[0]!.n, 4);

  const present = await world.api.get(`/v1/sites/${b.site.id}/present`, b.op);
  t.is(present.status, 200);
  t.deepEqual((present.body.items as { cardNumber: string }[]).map((e) => e.cardNumber), [alice.number], 'Bob’s last event today was a refusal');
  t.like(present.body.items[0], { member: { id: alice.id }, doorController: { id: d.id }, zone: { name: 'Entrance and common areas' } });

  const log = await world.api.get(`/v1/sites/${b.site.id}/entry-events?type=denied&limit=1`, b.op);
  t.is(log.body.items.length, 1);
  t.like(log.body.items[0], { type: 'denied', cardNumber: bob.number, reason: 'outside_hours' });
  const next = await world.api.get(`/v1/sites/${b.site.id}/entry-events?type=denied&limit=1&cursor=${log.body.nextCursor}`, b.op);
  t.like(next.body.items[0], { cardNumber: 'STRANGER', reason: 'unknown_card', member: null });
  const csv = await world.api.call('GET', `/v1/sites/${b.site.id}/entry-events?format=csv`, b.op);
  t.is(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  t.is(csv.text.trim().split('\n').length, 5, 'a header and four events');

  // Access logs are not time-tracking: a company's key and its admin read neither.
  t.is((await world.api.get(`/v1/sites/${b.site.id}/present`, { token: b.companies.a.key })).status, 403);
  t.is((await world.api.get(`/v1/sites/${b.site.id}/entry-events`, { token: b.companies.a.key })).status, 403);
  // A controller uploads for itself only.
  const raw = JSON.stringify({ events: [ev('granted', alice.number, 0)] });
  const foreign = await world.api.call('POST', `/v1/door-controllers/${b.doors.suiteA.id}/events`, { raw, headers: { 'Content-Type': 'application/json', 'X-Door-Controller': d.id, 'X-Signature': signDoorRequest(d.secret, raw) } });
  t.is(foreign.status, 403);
});

test('the doors of a zone share one version; a door moved to another zone gets a version it never had, and that zone’s list', async (t) => {
  const b = await sharedBuilding();
  const alice = await b.activeMember(b.companies.a);
  const first = await b.doors.suiteA.list();
  const created = await world.api.post(`/v1/sites/${b.site.id}/door-controllers`, { name: `Back door ${tag()}`, zoneId: b.zones.suiteA.id }, b.op);
  const second = ((await world.api.get(`/v1/sites/${b.site.id}/door-controllers`, b.op)).body.items as { id: string; accessListVersion: number }[]).find((d) => d.id === created.body.id)!;
  t.is(`"${second.accessListVersion}"`, first.headers.get('etag')!, 'a new door of the zone takes its version');

  // Suite A's door moves to Suite B: its cached ETag no longer matches, and it reads B's list.
  const before = first.headers.get('etag')!;
  t.is((await world.api.put(`/v1/sites/${b.site.id}/door-controllers/${b.doors.suiteA.id}/zone`, { zoneId: b.zones.suiteB.id }, b.op)).status, 204);
  const moved = await b.doors.suiteA.list(before);
  t.is(moved.status, 200);
  t.true(Number(JSON.parse(moved.headers.get('etag')!)) > Number(JSON.parse(before)), 'a version it never had');
  t.false(numbers(moved).includes(alice.number), 'Acme’s card does not open Suite B');
  t.deepEqual(moved.body, (await b.doors.suiteB.list()).body, 'the same list as the zone’s other door, version included');
});

test('a team file takes kind, dates, card and access days per row; a bad row fails alone', async (t) => {
  const b = await sharedBuilding();
  const site = (await world.api.get(`/v1/sites/${b.site.id}`, b.op)).body.name as string;
  const [guest, nocard, narrowed, wrong] = ['guest', 'nocard', 'narrow', 'wrong'].map((n) => `${n}-${tag()}@shared.test`) as [string, string, string, string];
  const csv = [
    'email,name,site,kind,dates,card,access_days',
    `${guest},Camille Durand,${site},day_pass,2099-01-05 2099-01-07,yes,`,
    `${nocard},Sam Lee,${site},,,no,`,
    `${narrowed},Ann Lee,${site},member,,,business_week+saturday`,
    `${wrong},Bo,${site},day_pass,2099-01-05,,`,
  ].join('\n');
  const started = await world.api.call('POST', '/v1/members/bulk', { raw: csv, token: b.companies.b.key, headers: { 'Content-Type': 'text/csv' } });
  t.is(started.status, 202, started.text);
  const done = await waitFor('the import', async () => {
    const r = await world.api.get(`/v1/imports/${started.body.importId}`, { token: b.companies.b.key });
    return r.body.status === 'finished' ? r.body : undefined;
  });
  t.like(done, { created: 3, failed: 1 });
  const rows = await query<{ email: string; kind: string; day_pass_dates: string[] | null; card_needed: boolean; access_days: string[] | null }>(world.url, 'select email, kind, day_pass_dates, card_needed, access_days from member where email = any($1) order by email', [[guest, nocard, narrowed, wrong]]);
  const by = Object.fromEntries(rows.rows.map((r) => [r.email, r]));
  t.like(by[guest], { kind: 'day_pass', day_pass_dates: ['2099-01-05', '2099-01-07'], card_needed: true });
  t.like(by[nocard], { kind: 'member', card_needed: false, access_days: null });
  t.like(by[narrowed], { access_days: ['business_week', 'saturday'] });
  t.is(by[wrong], undefined, 'a day pass without a last name is not written');
});

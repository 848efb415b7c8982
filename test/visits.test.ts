// Visitors over HTTP against the real stack (Temporal, PostgreSQL, SMTP): a member invites a
// visitor, the visitor's e-mail carries the PIN (and nothing else does), door-sim types it at the
// entrance, the host is told; the PIN is single use, opens the entrance only, within the host's
// hours, at its own site; wrong PINs count in the site's lockout; an offline door's list carries
// the PINs hashed and its upload uses one up; cancelling, and removing the host, kill the PIN.
import test from 'ava';
import { visitWorkflowId } from '../contract/workflows.ts';
import { signDoorRequest } from '../domain/door/signatures.ts';
import { localMoment } from '../domain/access/schedule.ts';
import { dateAt, zonedTime } from '../domain/time.ts';
import { apiWorld, problemOf, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { query } from './helpers/database.ts';
import { runDoorSim } from './helpers/door-sim.ts';
import { fileScope } from './helpers/scope.ts';
import { temporalClient } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

const PIN = /#\d{6}/;
/** A zone for each UTC offset with no daylight saving, by its offset in hours. */
const NO_DST_ZONES: Record<number, string> = {
  [-11]: 'Pacific/Pago_Pago', [-10]: 'Pacific/Honolulu', [-9]: 'Pacific/Gambier', [-8]: 'Pacific/Pitcairn', [-7]: 'America/Phoenix', [-6]: 'America/Regina',
  [-5]: 'America/Bogota', [-4]: 'America/La_Paz', [-3]: 'America/Montevideo', [-2]: 'America/Noronha', [-1]: 'Atlantic/Cape_Verde', 0: 'Africa/Abidjan',
  1: 'Africa/Lagos', 2: 'Africa/Johannesburg', 3: 'Europe/Istanbul', 4: 'Asia/Dubai', 5: 'Asia/Tashkent', 6: 'Asia/Dhaka', 7: 'Asia/Bangkok', 8: 'Asia/Shanghai',
  9: 'Asia/Tokyo', 10: 'Australia/Brisbane', 11: 'Pacific/Noumea', 12: 'Pacific/Tarawa',
};

async function doorAt(siteId: string, zoneId?: string): Promise<{ id: string; secret: string }> {
  const created = await world.api.post(`/v1/sites/${siteId}/door-controllers`, { name: `Door ${tag()}`, ...(zoneId ? { zoneId } : {}) }, { token: world.operatorKey });
  if (created.status !== 201) throw new Error(`door: ${created.status} ${created.text}`);
  return created.body;
}

/** door-sim, as a person at the door runs it: exit code and its JSON lines. */
async function doorSim(args: string[]): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  const { code, stdout, stderr } = await runDoorSim(world.api.url, args);
  return { code, lines: stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)), stderr };
}

async function invite(hostToken: string, body: Record<string, unknown>) {
  const reply = await world.api.post('/v1/visits', body, { token: hostToken });
  if (reply.status !== 201) throw new Error(`invite: ${reply.status} ${reply.text}`);
  return reply.body as { id: string; status: string; date: string };
}

/** The visitor's e-mail and the PIN in its body. */
async function pinFor(email: string): Promise<{ pin: string; mail: { subject: string; text: string } }> {
  const [mail] = await waitForMail(email, /code/);
  return { pin: PIN.exec(mail!.text)![0], mail: mail! };
}

const statusOf = async (visitId: string) => (await query<{ status: string }>(world.url, 'select status from visit where id = $1', [visitId])).rows[0]!.status;

test('a full visit with door-sim: invited, e-mailed, the PIN opens the entrance once, the host is told; a suite door and a second use are refused', async (t) => {
  const site = await world.newSite({ name: `Lyon ${tag()}`, address: '129 rue Servient, 69003 Lyon', timeZone: 'Europe/Paris' });
  const siteId = site.body.id;
  await world.api.patch(`/v1/sites/${siteId}`, { visitorInstructions: 'Use the main door on rue Servient; the keypad is on the right.' }, { token: world.operatorKey });
  const suite = await world.api.post(`/v1/sites/${siteId}/zones`, { name: `Suite ${tag()}` }, { token: world.operatorKey });
  await world.api.put(`/v1/companies/${world.org.companyId}/zones/${suite.body.id}`, {}, { token: world.operatorKey });
  const entrance = await doorAt(siteId);
  const suiteDoor = await doorAt(siteId, suite.body.id);
  const host = await world.member({ siteId });
  const visitorEmail = `visitor-${tag()}@example.net`;

  const visit = await invite(host.token, { email: visitorEmail, name: 'Jules Petit', expectedAt: '14:30', message: 'Ask for me on the 3rd floor', locale: 'en' });
  t.like(visit, { status: 'expected', date: dateAt(new Date(), 'Europe/Paris') });
  const { pin, mail } = await pinFor(visitorEmail);
  t.notRegex(mail.subject, PIN, 'the PIN is in the body, never the subject');
  t.regex(mail.text, /Use the main door on rue Servient/, "the operator's arrival instructions");
  t.regex(mail.text, /129 rue Servient/);
  t.regex(mail.text, /Ask for me on the 3rd floor/);
  t.regex(mail.text, /expected at 14:30/);
  // The PIN is shown nowhere else: not to the host, not in the database, not in the workflow's history.
  t.notRegex((await world.api.get(`/v1/visits/${visit.id}`, { token: host.token })).text, PIN);
  // The visit's whole row (its six digits anywhere), the outbox and the audit trail (the PIN as written).
  const stored = await query(
    world.url,
    `select 1 from visit v where v.id = $1 and v::text like $2 union all select 1 from email_outbox where data::text like $3 union all select 1 from audit_event where data::text like $3`,
    [visit.id, `%${pin.slice(1)}%`, `%${pin}%`],
  );
  t.is(stored.rowCount, 0);
  const history = await (await temporalClient(scope)).workflow.getHandle(visitWorkflowId(visit.id)).fetchHistory();
  t.false(JSON.stringify(history).includes(pin.slice(1)), 'not in the visit workflow\'s history');

  const atSuite = await doorSim(['--door', suiteDoor.id, '--secret', suiteDoor.secret, '--visitor-pin', pin]);
  t.is(atSuite.code, 1, 'a suite door refuses a visitor PIN');
  t.is(await statusOf(visit.id), 'expected', 'and does not use it up');

  const opened = await doorSim(['--door', entrance.id, '--secret', entrance.secret, '--visitor-pin', pin]);
  t.is(opened.code, 0, opened.stderr);
  t.like(opened.lines[0], { decision: 'opened', reason: null });
  const [told] = await waitForMail(host.email, /waiting in the lobby/);
  t.regex(told!.subject, /Jules Petit/);
  t.is(await statusOf(visit.id), 'arrived');

  const again = await doorSim(['--door', entrance.id, '--secret', entrance.secret, '--visitor-pin', pin]);
  t.is(again.code, 1, 'single use');
  t.like(again.lines[0], { decision: 'rejected', reason: 'unknown_pin' });

  const { rows: events } = await query<{ type: string; reason: string | null; card_number: string | null }>(world.url, 'select type, reason, card_number from entry_event where visit_id = $1 order by id', [visit.id]);
  t.deepEqual(events, [{ type: 'denied', reason: 'zone_not_granted', card_number: null }, { type: 'granted', reason: null, card_number: null }]);
  const read = await world.api.get(`/v1/visits/${visit.id}`, { token: world.org.apiKey });
  t.like(read.body, { status: 'arrived', visitor: { name: 'Jules Petit', email: visitorEmail }, host: { id: host.id } });
  t.truthy(read.body.arrivedAt);
  await waitFor('visit.created and visit.arrived as webhook events', async () => {
    const { rows } = await query<{ type: string }>(world.url, `select type from webhook_event where data->'visit'->>'id' = $1 order by seq`, [visit.id]);
    return rows.map((r) => r.type).join() === 'visit.created,visit.arrived' ? rows : undefined;
  });
  // The reception list shows it arrived.
  const reception = await world.api.get(`/v1/sites/${siteId}/visits`, { token: world.operatorKey });
  t.like(reception.body.items.find((v: { id: string }) => v.id === visit.id), { status: 'arrived' });
});

test("a PIN outside the host's hours, or at another site, opens nothing; an offline door's list carries it hashed and its upload uses it up", async (t) => {
  // The company may enter this site's entrance one hour a day only, an hour that is not now.
  const site = await world.newSite({ name: `Nice ${tag()}`, timeZone: 'Europe/Paris' });
  const siteId = site.body.id;
  const hour = Number(localMoment(Date.now(), 'Europe/Paris').minuteOfWeek % 1440) / 60;
  const window = hour < 12 ? { from: '20:00', to: '21:00' } : { from: '06:00', to: '07:00' };
  const zones = await world.api.get(`/v1/sites/${siteId}/zones`, { token: world.operatorKey });
  const common = zones.body.items.find((z: { common: boolean }) => z.common);
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  t.is((await world.api.put(`/v1/companies/${world.org.companyId}/zones/${common.id}`, { schedule: { weekly: [{ days, ...window }], closures: [] } }, { token: world.operatorKey })).status, 200);
  const entrance = await doorAt(siteId);
  const host = await world.member({ siteId });
  const visitorEmail = `visitor-${tag()}@example.net`;
  const visit = await invite(host.token, { email: visitorEmail });
  const { pin } = await pinFor(visitorEmail);

  const now = await doorSim(['--door', entrance.id, '--secret', entrance.secret, '--visitor-pin', pin]);
  t.is(now.code, 1, 'outside the hours the host has at the entrance');
  const { rows: [denied] } = await query<{ reason: string }>(world.url, 'select reason from entry_event where visit_id = $1', [visit.id]);
  t.is(denied!.reason, 'outside_hours');

  // Another site's entrance: the PIN means nothing there.
  const elsewhere = await doorAt(world.org.siteId);
  t.is((await doorSim(['--door', elsewhere.id, '--secret', elsewhere.secret, '--visitor-pin', pin])).code, 1);

  // The entrance's list: the live PIN, hashed with the site's salt; never the PIN itself.
  const list = (await doorSim(['--door', entrance.id, '--secret', entrance.secret, '--access-list'])).lines[0] as { visitorPins: { hash: { algorithm: string; salt: string }; entries: { visitId: string; pinHash: string; dates: string[] }[] } };
  t.is(list.visitorPins.hash.algorithm, 'pbkdf2-sha256');
  t.like(list.visitorPins.entries.find((e) => e.visitId === visit.id), { dates: [visit.date] });
  t.false(JSON.stringify(list).includes(pin.slice(1)));

  // Offline, within the hour, the door opens from its list; the upload uses the PIN up.
  const at = zonedTime(`${visit.date}T${window.from.slice(0, 2)}:30`, 'Europe/Paris').toISOString();
  const offline = await doorSim(['--door', entrance.id, '--secret', entrance.secret, '--visitor-pin', pin, '--offline', '--at', at]);
  t.is(offline.code, 0, `${offline.stderr} ${JSON.stringify(offline.lines)} (${at})`);
  t.like(offline.lines[0], { decision: 'opened', visitId: visit.id });
  t.like(offline.lines[1], { received: 1, stored: 1 });
  t.is(await statusOf(visit.id), 'arrived');
  await waitForMail(host.email, /waiting in the lobby/);
  const listAfter = (await doorSim(['--door', entrance.id, '--secret', entrance.secret, '--access-list'])).lines[0] as typeof list;
  t.false(listAfter.visitorPins.entries.some((e) => e.visitId === visit.id), 'used up: off the list');
});

test("wrong visitor PINs count in the site's PIN lockout, with enrollment PINs", async (t) => {
  const site = await world.newSite({ name: `Lille ${tag()}` });
  const entrance = await doorAt(site.body.id);
  for (let i = 0; i < 5; i++) t.is((await doorSim(['--door', entrance.id, '--secret', entrance.secret, '--visitor-pin', `#00000${i}`])).code, 1);
  const locked = await doorSim(['--door', entrance.id, '--secret', entrance.secret, '--visitor-pin', '#000009']);
  t.is(locked.code, 2);
  t.like(locked.lines[0], { status: 429 });
  const raw = JSON.stringify({ type: 'pin_entered', pin: '*1234', cardNumber: 'X1', occurredAt: new Date().toISOString() });
  const enrollment = await world.api.call('POST', '/v1/door-events', { raw, headers: { 'Content-Type': 'application/json', 'X-Door-Controller': entrance.id, 'X-Signature': signDoorRequest(entrance.secret, raw) } });
  t.is(enrollment.status, 429, 'an enrollment PIN at that site is locked out too');
});

test('cancelled: the PIN dies at once and the visitor is told; removing the host cancels their visits', async (t) => {
  const site = await world.newSite({ name: `Nantes ${tag()}` });
  const entrance = await doorAt(site.body.id);
  const host = await world.member({ siteId: site.body.id });
  const first = `visitor-${tag()}@example.net`;
  const visit = await invite(host.token, { email: first, locale: 'fr' });
  const { pin } = await pinFor(first);
  const cancelled = await world.api.delete(`/v1/visits/${visit.id}`, { token: host.token });
  t.like(cancelled.body, { status: 'cancelled' });
  t.is((await doorSim(['--door', entrance.id, '--secret', entrance.secret, '--visitor-pin', pin])).code, 1);
  await waitForMail(first, /annulée/);
  t.is(problemOf(await world.api.delete(`/v1/visits/${visit.id}`, { token: host.token })).status, 409, 'over: nothing to cancel');

  const second = `visitor-${tag()}@example.net`;
  const later = await invite(host.token, { email: second, date: dateAt(new Date(Date.now() + 3 * 86_400_000), 'Europe/Paris') });
  await pinFor(second);
  t.is((await world.api.delete(`/v1/members/${host.id}`, { token: world.org.apiKey })).status < 300, true);
  await waitFor('the removed host\'s visit cancelled', async () => ((await statusOf(later.id)) === 'cancelled' ? true : undefined));
  await waitForMail(second, /cancelled|annulée/);
});

test('who may see and do what, and bad input: 4xx, nothing written', async (t) => {
  const host = await world.member();
  const other = await world.member();
  const email = `visitor-${tag()}@example.net`;
  const visit = await invite(host.token, { email });
  t.is(problemOf(await world.api.get(`/v1/visits/${visit.id}`, { token: other.token })).status, 404, "another member's visit");
  t.is((await world.api.get('/v1/visits', { token: other.token })).body.items.length, 0);
  t.true((await world.api.get('/v1/visits', { token: world.org.apiKey })).body.items.some((v: { id: string }) => v.id === visit.id), "a company key sees the company's");
  const stranger = await world.newCompany();
  t.is(problemOf(await world.api.get(`/v1/visits/${visit.id}`, { token: stranger.apiKey })).status, 404, "another company's");
  t.is(problemOf(await world.api.post('/v1/visits', { email, hostMemberId: other.id }, { token: host.token })).status, 403, 'a member invites for themself');
  t.is(problemOf(await world.api.post('/v1/visits', { email }, { token: world.org.apiKey })).status, 400, 'a key names the host');
  const count = async () => (await query(world.url, 'select 1 from visit where host_id = $1', [host.id])).rowCount;
  const before = await count();
  for (const body of [{ email, date: '2020-01-01' }, { email, date: '2099-01-01' }, { email, date: '2027-02-30' }, { email: 'not-an-address' }, { email, expectedAt: '25:00' }, { email, pin: '#123456' }]) {
    const reply = await world.api.post('/v1/visits', body, { token: host.token });
    t.true(reply.status >= 400 && reply.status < 500, `${JSON.stringify(body)} → ${reply.status}`);
  }
  t.is(await count(), before, 'nothing written');
  const created = await world.api.post('/v1/visits', { email, hostMemberId: host.id }, { token: world.org.apiKey });
  t.is(created.status, 201, 'a key invites for a named host');
});

test("a PIN outside the host's access days is refused: the admin narrows them after the invitation", async (t) => {
  // A site where it is about 02:00 now, so the business week (06:00–22:00) excludes this moment.
  const offset = ((2 - new Date().getUTCHours() + 35) % 24) - 11;
  const timeZone = NO_DST_ZONES[offset]!;
  const site = await world.newSite({ name: `Night ${tag()}`, timeZone });
  t.is(site.status, 201, site.text);
  const entrance = await doorAt(site.body.id);
  const host = await world.member({ siteId: site.body.id });
  const visitorEmail = `visitor-${tag()}@example.net`;
  const visit = await invite(host.token, { email: visitorEmail });
  const { pin } = await pinFor(visitorEmail);
  t.is((await world.api.patch(`/v1/members/${host.id}`, { accessDays: ['business_week'] }, { token: world.org.apiKey })).status, 200);
  const refused = await doorSim(['--door', entrance.id, '--secret', entrance.secret, '--visitor-pin', pin]);
  t.is(refused.code, 1);
  const { rows: [event] } = await query<{ reason: string }>(world.url, 'select reason from entry_event where visit_id = $1', [visit.id]);
  t.is(event!.reason, 'outside_hours');
  t.is(await statusOf(visit.id), 'expected', 'not used up');
});

test('a kiosk link opens the reception page until it is revoked; only its hash is kept', async (t) => {
  const issued = await world.api.post(`/v1/sites/${world.org.siteId}/reception-kiosks`, { name: 'Lobby tablet' }, { token: world.operatorKey });
  t.is(issued.status, 201);
  const path = new URL(issued.body.url).pathname;
  const token = path.split('/').pop()!;
  t.is((await query(world.url, 'select 1 from reception_kiosk where token_hash = $1', [token])).rowCount, 0, 'the token itself is not stored');
  t.is((await fetch(world.appUrl + path)).status, 200);
  t.false((await world.api.get(`/v1/sites/${world.org.siteId}/reception-kiosks`, { token: world.operatorKey })).text.includes(token), 'never listed again');
  t.is((await world.api.get(`/v1/sites/${world.org.siteId}/reception-kiosks`, { token: world.org.apiKey })).status, 403, "a company's key cannot");
  t.like((await world.api.delete(`/v1/sites/${world.org.siteId}/reception-kiosks/${issued.body.id}`, { token: world.operatorKey })).body, { id: issued.body.id });
  t.is((await fetch(world.appUrl + path)).status, 404, 'revoked: the tablet gets "not found"');
  t.is((await fetch(`${world.appUrl}/reception/rk_${'x'.repeat(43)}`)).status, 404);
});

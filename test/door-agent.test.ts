// The door agent at a real door: libosdp's reader side on a pseudo-terminal (the secure channel on,
// a key per reader), the agent as the control panel, the real API, PostgreSQL and Temporal behind
// it. A member enrolls with *PIN and card and the next read opens; another company's suite and the
// wrong hours refuse; with the API stopped the list on disk decides and the queue waits; a removed
// member is refused within one sync; a reader with the wrong key never comes online.
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { signedFetch } from '../scripts/lib/door-client.ts';
import { answered, startAgent, startReaders, type Line, type LineProcess, type ReaderSpec, type Readers } from '../scripts/lib/door-agent.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { apiWorld, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { startApi } from './helpers/app.ts';
import { query } from './helpers/database.ts';
import { fileScope, type Scope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
const python = process.env.TEST_DOOR_AGENT_PYTHON ?? '';
let world: ApiWorld;
test.before(async () => {
  if (!python) throw new Error('TEST_DOOR_AGENT_PYTHON is not set: run the tests with npm test, which installs the door agent\'s Python packages');
  world = await apiWorld(scope);
});

const op = () => ({ token: world.operatorKey });
const key = () => randomBytes(16).toString('hex');
/** A 26-bit Wiegand card, as the reader reads it and the stock lists it: facility-number. */
const wiegandCard = () => `${randomInt(256)}-${randomInt(65536)}`;

interface Door {
  id: string;
  secret: string;
}

async function doorAt(siteId: string, zoneId?: string): Promise<Door> {
  const created = await world.api.post(`/v1/sites/${siteId}/door-controllers`, { name: `Door ${tag()}`, ...(zoneId ? { zoneId } : {}) }, op());
  if (created.status !== 201) throw new Error(`door: ${created.status} ${created.text}`);
  return created.body;
}

async function stock(siteId: string, number: string): Promise<void> {
  const r = await world.api.post(`/v1/sites/${siteId}/cards`, { cards: [{ number }] }, op());
  if (r.status !== 201) throw new Error(`stock: ${r.status} ${r.text}`);
}

/** A member of the first company with their card, enrolled over HTTP at `door` (as door-sim would). */
async function enrolledMember(siteId: string, door: Door): Promise<{ id: string; card: string }> {
  const card = wiegandCard();
  await stock(siteId, card);
  const m = await world.member({ siteId });
  const { pin } = (await world.api.post('/v1/me/card-enrollment/confirm', undefined, { token: m.token })).body;
  const answer = await signedFetch({ url: world.appUrl, controller: door.id, secret: door.secret }, 'POST', '/v1/door-events', { type: 'pin_entered', pin, cardNumber: card, occurredAt: new Date().toISOString() });
  const decided = (await answer.json()) as { decision: string; access: string };
  if (decided.access !== 'granted') throw new Error(`enrollment: ${JSON.stringify(decided)}`);
  return { id: m.id, card };
}

interface AtTheDoor {
  readers: Readers;
  agent: LineProcess;
  stateDir: string;
}

/** The readers on their line and the agent on the other end, the first reader online with its secure channel and the first list in. */
async function atTheDoor(t: Scope, door: Door, options: { url?: string; readers?: ReaderSpec[]; agentKeys?: Record<number, string>; settings?: Record<string, string>; stateDir?: string; firstList?: boolean } = {}): Promise<AtTheDoor> {
  const specs = options.readers ?? [{ address: 101, key: key() }];
  const readers = await startReaders(python, specs);
  t.teardown(() => readers.stop());
  const stateDir = options.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'door-agent-'));
  const agent = startAgent(python, {
    url: options.url ?? world.appUrl,
    controller: door.id,
    secret: door.secret,
    port: readers.port,
    readers: specs.map((r) => ({ address: r.address, key: options.agentKeys?.[r.address] ?? r.key })),
    stateDir,
    settings: { SYNC_SECONDS: '1', UPLOAD_SECONDS: '0.5', HEARTBEAT_SECONDS: '1', LOCK_SECONDS: '5', ...options.settings },
  });
  t.teardown(() => agent.stop());
  await agent.waitForLine('the first reader online with its secure channel', (l) => l.msg === 'reader online' && l.reader === specs[0]!.address && l.secureChannel === true);
  if (options.firstList !== false) await agent.waitForLine('its first access list', (l) => l.msg === 'access list');
  return { readers, agent, stateDir };
}

const isDecision = (card: string, decision: string) => (l: Line) => l.cardNumber === card && l.decision === decision;
/** A card at reader 101 and the agent's decision on it. */
const present = (d: Pick<AtTheDoor, 'readers' | 'agent'>, card: string, description: string, match: (l: Line) => boolean = (l) => l.cardNumber === card && typeof l.decision === 'string') =>
  answered(d.agent, 101, description, () => d.readers.present(101, card), match);
const lockPulsed = (l: Line) => l.kind === 'output' && l.command.control_code === 5 && l.command.timer_count === 50;
const redLight = (l: Line) => l.kind === 'led' && l.color === 'red';

const entryEvents = async (doorId: string) =>
  (await query<{ id: string; type: string; card_number: string | null; reason: string | null }>(world.url, 'select id, type, card_number, reason from entry_event where door_controller_id = $1 order by occurred_at', [doorId])).rows;

test('enrollment at the keypad: *PIN then the card enrolls the member, the next read opens the lock; the heartbeat reaches the site page; SIGTERM stops it cleanly', async (t) => {
  const site = await world.newSite({ name: `Agent ${tag()}`, timeZone: 'Europe/Paris' });
  const siteId = site.body.id as string;
  const door = await doorAt(siteId);
  const card = wiegandCard();
  await stock(siteId, card);
  const m = await world.member({ siteId });
  const { pin } = (await world.api.post('/v1/me/card-enrollment/confirm', undefined, { token: m.token })).body;
  const d = await atTheDoor(t, door);
  const { readers, agent } = d;

  // Keypads send keys as they are pressed: the PIN comes in two parts here.
  const keys = readers.lines.length;
  readers.type(101, pin.slice(0, 3));
  readers.type(101, pin.slice(3));
  await readers.waitForLine('the amber light: present your card', (l) => l.kind === 'led' && l.color === 'amber', { from: keys });
  const before = agent.lines.length;
  const enrolled = await present(d, card, 'the enrollment', (l) => l.msg === 'card enrolled');
  t.like(enrolled, { cardNumber: card, decision: 'enrolled', access: 'granted' });
  await readers.waitForLine('the green light: enrolled', (l) => l.kind === 'led' && l.color === 'green');
  t.false(readers.lines.some(lockPulsed), 'enrolling does not open the door');
  // Granted at once: the list with the new card is fetched right after the answer, not at the next sync.
  const { rows: [version] } = await query<{ v: number }>(world.url, 'select access_list_version as v from door_controller where id = $1', [door.id]);
  await agent.waitForLine('the list with the new card', (l) => l.msg === 'access list' && l.listVersion === version!.v, { from: before });

  const granted = await present(d, card, 'the card granted', isDecision(card, 'granted'));
  t.is(granted.listVersion, version!.v);
  await readers.waitForLine('the lock pulsed for 5 s (OSDP output 0, control code 5)', lockPulsed);
  const [uploaded] = await waitFor('the entry event uploaded', async () => ((await entryEvents(door.id)).length ? entryEvents(door.id) : undefined));
  t.like(uploaded, { type: 'granted', card_number: card });

  // What the operator sees of the door: the agent, its list, its readers; then a tamper report.
  readers.report(101, { tamper: true });
  const seen = await waitFor('the heartbeat with the tamper report', async () => {
    const list = (await world.api.get(`/v1/sites/${siteId}/door-controllers`, op())).body.items as { id: string; agent: any; health: string; accessListVersion: number }[];
    const ours = list.find((d) => d.id === door.id)!;
    return ours.agent?.readers?.[0]?.tamper ? ours : undefined;
  });
  t.like(seen, { health: 'ok', agent: { version: '0.1.0', listVersion: seen.accessListVersion, queuedEvents: 0, readers: [{ address: 101, online: true, secureChannel: true, tamper: true, powerFailure: false }] } });

  t.is(await agent.stop(), 0, 'SIGTERM: a clean stop');
  t.like(agent.lines.at(-1), { msg: 'stopped', queuedEvents: 0 });
  // Silent for more than 2 minutes: flagged.
  await query(world.url, `update door_controller set last_seen_at = now() - interval '121 seconds' where id = $1`, [door.id]);
  const after = (await world.api.get(`/v1/sites/${siteId}/door-controllers`, op())).body.items.find((d: { id: string }) => d.id === door.id);
  t.is(after.health, 'silent');
});

test('refusals: a card at another company\'s suite door, and a card outside its hours, are refused with the red light and the buzzer', async (t) => {
  const site = await world.newSite({ name: `Suites ${tag()}`, timeZone: 'Europe/Paris' });
  const siteId = site.body.id as string;
  const beta = await world.api.post('/v1/companies', { name: `Beta ${tag()}`, siteIds: [siteId], admin: { email: `admin-${tag()}@beta.test` } }, op());
  const suite = await world.api.post(`/v1/sites/${siteId}/zones`, { name: `Suite Beta ${tag()}` }, op());
  await world.api.put(`/v1/companies/${beta.body.id}/zones/${suite.body.id}`, { schedule: null }, op());
  const entrance = await doorAt(siteId);
  const suiteDoor = await doorAt(siteId, suite.body.id);
  const alice = await enrolledMember(siteId, entrance);

  const atSuite = await atTheDoor(t, suiteDoor);
  const { readers } = atSuite;
  t.like(await present(atSuite, alice.card, 'the suite refusing Acme\'s card'), { decision: 'denied', reason: 'unknown_card' });
  await readers.waitForLine('the red light', redLight);
  await readers.waitForLine('the buzzer', (l) => l.kind === 'buzzer' && l.command.rep_count === 3);
  t.false(readers.lines.some((l) => l.kind === 'output'), 'the lock stays shut');

  // The building open for one hour today that is not now, on the site's clock.
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
  const from = hour <= 20 ? hour + 2 : 1;
  const hhmm = (h: number) => `${String(h).padStart(2, '0')}:00`;
  await world.api.put(`/v1/sites/${siteId}/opening-hours`, { openingHours: { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: hhmm(from), to: hhmm(from + 1) }], closures: [] } }, op());
  const atEntrance = await atTheDoor(t, entrance);
  t.like(await present(atEntrance, alice.card, 'the entrance refusing outside hours'), { decision: 'denied', reason: 'outside_hours' });
  await atEntrance.readers.waitForLine('the red light', redLight);
  // The server says the same, and why.
  const check = await world.api.get(`/v1/sites/${siteId}/access-check?${new URLSearchParams({ doorControllerId: entrance.id, cardNumber: alice.card })}`, op());
  t.like(check.body, { granted: false, reason: 'outside_hours' });
});

test('offline: with the API stopped the list on disk decides, even after a restart, and every queued event is uploaded once when it is back', async (t) => {
  const site = await world.newSite({ name: `Offline ${tag()}`, timeZone: 'Europe/Paris' });
  const siteId = site.body.id as string;
  const door = await doorAt(siteId);
  const alice = await enrolledMember(siteId, door);
  // The agent's own API process, which this test stops and starts again on the same port.
  const port = await freePort();
  let api = await startApi(t, { orm: world.orm, taskQueue: world.taskQueue, port });
  const first = await atTheDoor(t, door, { url: api.url });
  t.true(first.agent.lines.some((l) => l.msg === 'access list' && l.cards === 1));

  await api.close();
  await first.agent.waitForLine('the server gone', (l) => l.msg === 'server unreachable: deciding from the list on disk');
  await present(first, alice.card, 'granted offline', isDecision(alice.card, 'granted'));
  await first.readers.waitForLine('the lock pulsed', lockPulsed);
  await present(first, '7-7', 'an unknown card denied offline', isDecision('7-7', 'denied'));
  t.is(await first.agent.stop(), 0);
  t.like(first.agent.lines.at(-1), { msg: 'stopped', queuedEvents: 2 });
  await first.readers.stop();

  // Restarted (a power cut) with the server still away: the list and the queue come back from disk.
  const second = await atTheDoor(t, door, { url: api.url, stateDir: first.stateDir, firstList: false });
  t.like(second.agent.lines.find((l) => l.msg === 'starting'), { queuedEvents: 2 });
  const fromDisk = await present(second, alice.card, 'granted from the list on disk', isDecision(alice.card, 'granted'));
  t.is(fromDisk.listVersion, first.agent.lines.find((l) => l.msg === 'access list')!.listVersion);
  t.deepEqual(await entryEvents(door.id), [], 'nothing reached the server yet');

  api = await startApi(t, { orm: world.orm, taskQueue: world.taskQueue, port });
  await second.agent.waitForLine('the server back', (l) => l.msg === 'server answers');
  const events = await waitFor('all three events uploaded', async () => {
    const rows = await entryEvents(door.id);
    return rows.length >= 3 ? rows : undefined;
  });
  t.deepEqual(events.map((e) => [e.type, e.card_number, e.reason]), [['granted', alice.card, null], ['denied', '7-7', 'unknown_card'], ['granted', alice.card, null]]);
  await second.agent.waitForLine('the queue empty', (l) => l.msg === 'entry events uploaded' && l.queuedEvents === 0);
  t.is((await entryEvents(door.id)).length, 3, 'nothing twice');
});

test('removal: a removed member is refused within one sync interval of their removal', async (t) => {
  const site = await world.newSite({ name: `Removal ${tag()}`, timeZone: 'Europe/Paris' });
  const siteId = site.body.id as string;
  const door = await doorAt(siteId);
  const alice = await enrolledMember(siteId, door);
  const d = await atTheDoor(t, door, { settings: { SYNC_SECONDS: '2' } });
  const { agent } = d;
  await present(d, alice.card, 'granted while a member', isDecision(alice.card, 'granted'));

  t.is((await world.api.delete(`/v1/members/${alice.id}`, { token: world.org.apiKey })).status, 202);
  // The removal takes effect when the lifecycle takes the card off the door's list.
  const version = await waitFor('the card off the list', async () => {
    const { rows } = await query<{ v: number; off: boolean }>(world.url, `select d.access_list_version as v, not exists (select 1 from card where number = $2 and access_granted_at is not null) as off from door_controller d where d.id = $1`, [door.id, alice.card]);
    return rows[0]!.off ? rows[0]!.v : undefined;
  });
  const removedAt = Date.now();
  const synced = await agent.waitForLine('the agent\'s next sync', (l) => l.msg === 'access list' && l.listVersion >= version, { timeoutMs: 2_000 + 1_500 });
  t.true(Date.parse(synced.time) - removedAt <= 2_000 + 1_500, 'within one sync interval (2 s), plus the request');
  t.like(await present(d, alice.card, 'refused after removal', isDecision(alice.card, 'denied')), { reason: 'unknown_card' });
});

test('security: a reader whose secure-channel key is wrong never comes online, and nothing it reads is believed', async (t) => {
  const site = await world.newSite({ name: `Keys ${tag()}`, timeZone: 'Europe/Paris' });
  const door = await doorAt(site.body.id);
  const good = { address: 101, key: key() };
  const impostor = { address: 102, key: key() };
  // Beats ten minutes apart: the one showing 101 online can only be the beat a reader's change sends at once.
  const d = await atTheDoor(t, door, { readers: [good, impostor], agentKeys: { 102: key() }, settings: { HEARTBEAT_SECONDS: '600' } });
  const { readers, agent } = d;
  // libosdp tried the handshake with 102 and gave up on its cryptogram.
  await waitFor('the handshake with 102 refused', () => /PD-102[^\n]*(cryptogram|CHLNG failed)/.test(agent.stderr()), { timeoutMs: 15_000 });
  readers.present(102, '9-9');
  await present(d, '8-8', 'the good reader\'s card decided');
  t.false(agent.lines.some((l) => l.cardNumber === '9-9'), 'the card at the impostor reader never reached a decision');
  t.false(agent.lines.some((l) => l.msg === 'reader online' && l.reader === 102), 'never online');
  const beat = await waitFor('a heartbeat with reader 101 online', async () => {
    const d = (await world.api.get(`/v1/sites/${site.body.id}/door-controllers`, op())).body.items[0];
    return d.agent?.readers?.some((r: { address: number; online: boolean }) => r.address === 101 && r.online) ? d.agent : undefined;
  }, { timeoutMs: 10_000 });
  t.deepEqual(beat.readers.map((r: { address: number; online: boolean; secureChannel: boolean }) => [r.address, r.online, r.secureChannel]), [[101, true, true], [102, false, false]]);
});

test('a visitor\'s PIN at the keypad: the server decides while it answers (and uses it up); offline the hashed list decides, once', async (t) => {
  const site = await world.newSite({ name: `Visitors ${tag()}`, timeZone: 'Europe/Paris' });
  const siteId = site.body.id as string;
  const door = await doorAt(siteId);
  const host = await world.member({ siteId });
  const pins: { id: string; pin: string }[] = [];
  for (const n of [1, 2]) {
    const email = `visitor-${n}-${tag()}@example.net`;
    const visit = await world.api.post('/v1/visits', { email, name: `Visitor ${n}`, locale: 'en' }, { token: host.token });
    const [mail] = await waitForMail(email, /code/);
    pins.push({ id: visit.body.id, pin: /#\d{6}/.exec(mail!.text)![0] });
  }
  const port = await freePort();
  const api = await startApi(t, { orm: world.orm, taskQueue: world.taskQueue, port });
  const { readers, agent } = await atTheDoor(t, door, { url: api.url });
  await agent.waitForLine('the list with both PINs', (l) => l.msg === 'access list' && l.visitorPins === 2);
  const typed = (pin: string, description: string) => answered(agent, 101, description, () => readers.type(101, pin), (l) => l.msg.startsWith('visitor PIN'));

  t.like(await typed(pins[0]!.pin, 'the first visitor let in by the server'), { msg: 'visitor PIN opened', decidedBy: 'server' });
  await readers.waitForLine('the lock pulsed', lockPulsed);

  await api.close();
  await agent.waitForLine('the server gone', (l) => l.msg === 'server unreachable: deciding from the list on disk');
  t.like(await typed(pins[1]!.pin, 'the second visitor let in by the door'), { msg: 'visitor PIN opened', decidedBy: 'door', visitId: pins[1]!.id });
  t.like(await typed(pins[1]!.pin, 'the same PIN refused'), { msg: 'visitor PIN refused', decidedBy: 'door', reason: 'expired' });

  await startApi(t, { orm: world.orm, taskQueue: world.taskQueue, port });
  await waitFor('the visit arrived once uploaded', async () => (await query<{ status: string }>(world.url, 'select status from visit where id = $1', [pins[1]!.id])).rows[0]!.status === 'arrived');
  t.is((await query(world.url, 'select 1 from entry_event where visit_id = $1', [pins[1]!.id])).rows.length, 2, 'the opening and the refusal, each once');
});

test('a reader that stops answering for a moment is back within seconds, not after libosdp\'s five minutes', async (t) => {
  const site = await world.newSite({ name: `Stalls ${tag()}`, timeZone: 'Europe/Paris' });
  const d = await atTheDoor(t, await doorAt(site.body.id));
  const from = d.agent.lines.length;
  const pid = d.readers.child.pid!;
  const dropped = () => d.agent.lines.slice(from).find((l) => l.msg === 'reader offline' && l.reader === 101);
  // The reader busy for 350 ms, past OSDP's 200 ms for a reply: libosdp's panel then renews the
  // session, the reader refuses it, and libosdp would leave it offline for 300 s. Until that happens.
  for (let i = 0; i < 20 && !dropped(); i++) {
    process.kill(pid, 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 350));
    process.kill(pid, 'SIGCONT');
    await d.agent.waitForLine('the reader offline, or online still a second later', (l) => l.msg === 'reader offline', { from, timeoutMs: 1_000 }).catch(() => undefined);
  }
  const offline = dropped();
  if (!offline) return t.fail('twenty stalls of 350 ms never took the reader offline');
  const back = await d.agent.waitForLine('the reader back', (l) => l.msg === 'reader online' && l.reader === 101 && l.secureChannel === true && Date.parse(l.time) >= Date.parse(offline.time), { from, timeoutMs: 20_000 });
  t.true(Date.parse(back.time) - Date.parse(offline.time) < 10_000, 'the agent restarted the link after 2 s');
  t.true(d.agent.lines.slice(from).some((l) => l.msg === 'reader reconnecting'));
  t.like(await present(d, '5-5', 'a card decided again'), { decision: 'denied' });
});

// The door and the server never disagree: for 10,000 random (card, door, instant) triples at a
// shared building, the offline decision from the list the door downloaded (over HTTP, signed) —
// door-sim's in TypeScript, the door agent's in Python — equals the server's decision from what the
// database holds.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mayOpen, type AccessDecision } from '../domain/access/decide.ts';
import { DOOR_AGENT_DIR } from '../scripts/lib/door-agent.ts';
import { siteAccessFacts } from '../domain/access/access-list.ts';
import { bumpAccessLists } from '../domain/access/versions.ts';
import { fetchAccessList, presentCard, type DoorList } from '../scripts/lib/door-client.ts';
import { apiWorld, tag, type Reply } from './helpers/api.ts';
import { query } from './helpers/database.ts';
import { runCommand } from './helpers/process.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();
/** `door-agent check` needs no libosdp: any Python 3.9+ runs it, the agent's venv under npm test. */
const python = process.env.TEST_DOOR_AGENT_PYTHON || 'python3';
const ok = (reply: Reply, status = 200) => {
  if (reply.status !== status) throw new Error(`${reply.status}: ${reply.text}`);
  return reply.body;
};

interface Building {
  doors: { controller: string; secret: string }[];
  cards: string[];
  lists: DoorList[];
  server: Awaited<ReturnType<typeof siteAccessFacts>>;
}

/** The building both tests decide at: three companies, four doors, forty members of every kind, their lists downloaded. */
async function building(): Promise<Building> {
  const world = await apiWorld(scope);
  const op = { token: world.operatorKey };
  const site = ok(await world.newSite({ name: `Shared ${tag()}`, timeZone: 'Europe/Paris' }), 201) as { id: string };
  // The building: open Mon–Sat 06:00–23:00, closed on Christmas and 1 May.
  ok(await world.api.put(`/v1/sites/${site.id}/opening-hours`, { openingHours: { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], from: '06:00', to: '23:00' }], closures: ['2027-12-25', '2027-05-01'] } }, op));
  const companies = [];
  for (const name of ['Alpha', 'Beta', 'Gamma']) {
    const c = ok(await world.api.post('/v1/companies', { name: `${name} ${tag()}`, siteIds: [site.id], admin: { email: `admin-${tag()}@${name.toLowerCase()}.test` } }, op), 201) as { id: string };
    companies.push(c.id);
  }
  const zones = (ok(await world.api.get(`/v1/sites/${site.id}/zones`, op)) as { items: { id: string; common: boolean }[] }).items;
  const common = zones.find((z) => z.common)!.id;
  const suite1 = (ok(await world.api.post(`/v1/sites/${site.id}/zones`, { name: 'Suite 1' }, op), 201) as { id: string }).id;
  const suite2 = (ok(await world.api.post(`/v1/sites/${site.id}/zones`, { name: 'Suite 2' }, op), 201) as { id: string }).id;
  // Alpha: Suite 1 on weekdays plus a Friday night shift; Beta: the common areas on office hours
  // (closed 14 July) and Suite 2 at any hour; Gamma: the common areas only, as granted with the site.
  ok(await world.api.put(`/v1/companies/${companies[0]}/zones/${suite1}`, { schedule: { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:30', to: '19:00' }, { days: ['fri'], from: '21:00', to: '03:00', overnight: true }], closures: [] } }, op));
  ok(await world.api.put(`/v1/companies/${companies[1]}/zones/${common}`, { schedule: { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '20:00' }], closures: ['2027-07-14'] } }, op));
  ok(await world.api.put(`/v1/companies/${companies[1]}/zones/${suite2}`, { schedule: null }, op));
  const doors: { controller: string; secret: string }[] = [];
  for (const zoneId of [common, common, suite1, suite2]) {
    const d = ok(await world.api.post(`/v1/sites/${site.id}/door-controllers`, { name: `Door ${tag()}`, zoneId }, op), 201) as { id: string; secret: string };
    doors.push({ controller: d.id, secret: d.secret });
  }

  // Members as the lifecycle leaves them, written straight to the database: every kind of access.
  const accessDays = [null, ['business_week'], ['business_week', 'saturday'], ['business_week', 'sunday'], ['always']];
  const cards: string[] = [];
  for (let i = 0; i < 40; i++) {
    const company = companies[i % 3]!;
    const dayPass = i % 7 === 3;
    const number = `P${String(i).padStart(3, '0')}${tag()}`;
    cards.push(number);
    const dates = dayPass ? ['2027-03-26', '2027-03-29', '2027-10-31'] : null;
    const startsOn = dayPass ? '2027-03-26' : i % 5 === 1 ? '2027-03-01' : null;
    const endsAt = dayPass ? '2027-10-31T23:00:00Z' : i % 6 === 2 ? '2027-11-15T17:30:00Z' : null;
    const granted = i % 9 !== 4;
    await query(
      world.url,
      `with m as (
         insert into member (id, organization_id, site_id, email, name, role, locale, status, operator_admin, kind, card_needed, access_days, day_pass_dates, starts_on, ends_at, created_at, updated_at)
         values (gen_random_uuid(), $1, $2, $3, 'Camille Durand', 'user', 'en', $4, false, $5, true, $6::jsonb, $7::jsonb, $8::date, $9::timestamptz, now(), now()) returning id)
       insert into card (id, site_id, number, qr_token, state, member_id, assigned_at, access_granted_at, created_at)
       select gen_random_uuid(), $2, $10, $11, 'assigned', m.id, now(), $12::timestamptz, now() from m`,
      [company, site.id, `p${i}-${tag()}@shared.test`, granted ? 'active' : 'awaiting_card', dayPass ? 'day_pass' : 'member', JSON.stringify(accessDays[i % accessDays.length]), JSON.stringify(dates), startsOn, endsAt, number, randomUUID(), granted ? new Date().toISOString() : null],
    );
  }
  cards.push('NOT-A-CARD');
  await bumpAccessLists(world.orm.em.fork(), { siteId: site.id });

  const lists: DoorList[] = [];
  for (const door of doors) {
    const fetched = await fetchAccessList({ url: world.appUrl, ...door });
    lists.push(fetched.list!);
  }
  return { doors, cards, lists, server: await siteAccessFacts(world.orm.em.fork(), site.id) };
}

let shared: Promise<Building> | undefined;
const theBuilding = () => (shared ??= building());

/** Random triples over all of 2027: both DST changes, the closures, the day pass's dates and the ends. */
const triples = (b: Building) =>
  fc.tuple(
    fc.nat({ max: b.cards.length - 1 }),
    fc.nat({ max: b.doors.length - 1 }),
    fc.integer({ min: Date.UTC(2027, 0, 1), max: Date.UTC(2028, 0, 1) - 1 }).map((ms) => Math.floor(ms / 60_000) * 60_000),
  );

const serverDecision = (b: Building, card: string, door: number, at: number) => {
  const facts = b.server.facts(b.doors[door]!.controller, card);
  return facts ? mayOpen(facts, b.server.timeZone, at) : { granted: false as const, reason: 'unknown_card' as const };
};

test('10,000 random (card, door, instant): the door’s decision from its list equals the server’s', async (t) => {
  const b = await theBuilding();
  const { cards, lists } = b;
  let granted = 0;
  fc.assert(
    fc.property(triples(b), ([c, d, at]) => {
        const card = cards[c]!;
        const atDoor = presentCard(lists[d]!, card, new Date(at));
        const atServer = serverDecision(b, card, d, at);
        if (atDoor.granted) granted++;
        return atDoor.granted === atServer.granted;
      }),
    { numRuns: 10_000, seed: 20270104 },
  );
  // Not a vacuous agreement: both answers occur often.
  t.true(granted > 1000 && granted < 9000, `${granted} of 10,000 granted`);
});

test('10,000 random (card, door, instant): the door agent’s decision (Python, from the same lists) equals the server’s, and door-sim’s reason and all', async (t) => {
  const b = await theBuilding();
  const asked = fc.sample(triples(b), { numRuns: 10_000, seed: 20270105 });
  const answers: AccessDecision[][] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-lists-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  // One agent process per door, fed every question for that door on stdin (`door-agent check`).
  for (const [d, list] of b.lists.entries()) {
    const file = path.join(dir, `list-${d}.json`);
    fs.writeFileSync(file, JSON.stringify(list));
    const input = asked.filter(([, door]) => door === d).map(([c, , at]) => JSON.stringify({ card: b.cards[c], at: new Date(at).toISOString() })).join('\n');
    const { status, stdout, stderr } = await runCommand(python, ['-m', 'door_agent', 'check', '--list', file], { env: { PATH: process.env.PATH, PYTHONPATH: DOOR_AGENT_DIR }, cwd: DOOR_AGENT_DIR, input, timeoutMs: 60_000 });
    if (status !== 0) throw new Error(`door-agent check: ${stderr}`);
    answers[d] = stdout.trim().split('\n').map((l) => JSON.parse(l) as AccessDecision);
  }
  const next = b.lists.map(() => 0);
  let granted = 0;
  const disagreements = asked.flatMap(([c, d, at]) => {
    const agent = answers[d]![next[d]!++]!;
    const server = serverDecision(b, b.cards[c]!, d, at);
    // Where the server says why a card is not on a door's list (not active, zone not granted), a door knows only that it is not.
    const doorSim = presentCard(b.lists[d]!, b.cards[c]!, new Date(at));
    if (agent.granted) granted++;
    return agent.granted === server.granted && JSON.stringify(agent) === JSON.stringify(doorSim) ? [] : [{ card: b.cards[c], door: d, at: new Date(at).toISOString(), agent, server, doorSim }];
  });
  t.deepEqual(disagreements.slice(0, 5), []);
  t.true(granted > 1000 && granted < 9000, `${granted} of 10,000 granted`);
});


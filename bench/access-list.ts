// A shared building's doors at scale: one site, 10,000 active cards over 20 companies, 10 zones
// (the common zone and nine suites), 100 door controllers each polling
// `GET /v1/door-controllers/{id}/access-list` every 5 s with If-None-Match. Most polls find
// nothing new (304); a change (one company's member narrowed to the business week) bumps only that
// company's doors, whose next poll reads the whole list (200). Beside them, the floor: the same
// door's list straight from the pool. Then entry-event ingest: the 100 controllers upload batches
// at once, and every event must be stored exactly once.
import { randomBytes, randomUUID } from 'node:crypto';
import { doorAccessList } from '../domain/access/access-list.ts';
import { bumpAccessLists } from '../domain/access/versions.ts';
import { createCompany } from '../domain/companies/create-company.ts';
import { signedFetch, uploadEvents, type EntryEvent } from '../scripts/lib/door-client.ts';
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { inPool } from '../lib/pool.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { percentile, round, type ScenarioOutcome } from './lib.ts';

const GOAL_304_P99_MS = 20;
const GOAL_200_TIMES_FLOOR = 2;
const GOAL_INGEST_PER_S = 1000;
const GOAL_BATCH_P99_MS = 100;
const POLL_EVERY_MS = 5000;
// A company's access changes every three polls: most polls find nothing new.
const CHANGE_EVERY_MS = 15_000;
const SUITES = 9;
// A busy door's agent uploads what it queued every 2 s: 40 events a batch, 2,000 a second for 100 doors.
const INGEST_BATCH = 40;
const INGEST_EVERY_MS = 2000;

type Door = { id: string; secret: string; zone: number };

export async function accessListAtScale(
  stack: ProcessStack,
  tenant: Tenant,
  options: { cards: number; companies: number; controllers: number; durationMs: number; ingestMs: number },
): Promise<ScenarioOutcome> {
  const em = stack.orm.em.fork();
  const db = em.getKysely();
  const { operator_id: operatorId } = await db.selectFrom('site').select('operator_id').where('id', '=', tenant.siteId).executeTakeFirstOrThrow();
  const companies = await inPool(Array.from({ length: options.companies }, (_, i) => i), 4, (i) =>
    createCompany(stack.orm.em.fork(), operatorId, { name: `Tenant ${i + 1} ${randomBytes(2).toString('hex')}`, siteIds: [tenant.siteId], admin: { email: `admin-${randomUUID()}@scale.test` }, actor: 'bench' }),
  );
  // Nine suites, each granted to the companies i ≡ suite (mod 9), Mon–Fri 07:00–20:00.
  const suites: string[] = [];
  for (let z = 0; z < SUITES; z++) {
    const zone = await tenant.call('POST', `/v1/sites/${tenant.siteId}/zones`, { body: { name: `Suite ${z + 1} ${randomBytes(2).toString('hex')}` }, token: tenant.operatorKey });
    suites.push((zone.body as { id: string }).id);
  }
  const schedule = { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '20:00' }], closures: [] };
  await inPool(companies.map((c, i) => ({ c, zone: suites[i % SUITES]! })), 4, async ({ c, zone }) => {
    const reply = await tenant.call('PUT', `/v1/companies/${c.companyId}/zones/${zone}`, { body: { schedule }, token: tenant.operatorKey });
    if (reply.status !== 200) throw new Error(`grant: ${reply.status} ${JSON.stringify(reply.body)}`);
  });
  // Members active with a card each, written in bulk (the lifecycles that would get them there
  // are another benchmark's subject); every fourth on the business week.
  const perCompany = Math.ceil(options.cards / options.companies);
  await em.transactional(async (tx) => {
    for (const [i, company] of companies.entries()) {
      const count = Math.min(perCompany, options.cards - i * perCompany);
      await tx.execute(
        `with m as (
           insert into member (id, organization_id, site_id, email, name, role, locale, status, operator_admin, kind, card_needed, access_days, created_at, updated_at)
           select gen_random_uuid(), ?, ?, 'm' || g || '-' || ? || '@scale.test', 'Member ' || g, 'user', 'en', 'active', false, 'member', true,
                  case when g % 4 = 0 then '["business_week"]'::jsonb end, now(), now() from generate_series(1, ?) g
           returning id)
         insert into card (id, site_id, number, qr_token, state, member_id, assigned_at, access_granted_at, created_at)
         select gen_random_uuid(), ?, 'S' || upper(substr(md5(m.id::text), 1, 12)), md5(random()::text || m.id::text), 'assigned', m.id, now(), now(), now() from m`,
        [company.companyId, tenant.siteId, company.companyId.slice(0, 8), count, tenant.siteId],
      );
    }
    await bumpAccessLists(tx, { siteId: tenant.siteId });
  });
  // 100 doors over the 10 zones: ten at the entrance and common areas, ten per suite.
  const doors: Door[] = await inPool(Array.from({ length: options.controllers }, (_, i) => i), 8, async (i) => {
    const zone = i % (SUITES + 1);
    return { ...(await tenant.doorController(zone === 0 ? undefined : suites[zone - 1])), zone };
  });
  const identity = (door: Door) => ({ url: stack.apiUrl, controller: door.id, secret: door.secret });
  const read = async (door: Door, etag?: string) => {
    const started = performance.now();
    const response = await signedFetch(identity(door), 'GET', `/v1/door-controllers/${door.id}/access-list`, undefined, etag ? { 'If-None-Match': etag } : {});
    const body = await response.text();
    return { status: response.status, ms: performance.now() - started, etag: response.headers.get('etag') ?? undefined, cards: response.status === 200 ? (JSON.parse(body) as { cards: unknown[] }).cards.length : undefined };
  };
  // Each controller holds its list once, as after its first sync.
  const first = await inPool(doors, 10, (d) => read(d));
  const etags = first.map((r) => r.etag);
  const common = doors.find((d) => d.zone === 0)!;
  const listed = first[doors.indexOf(common)]!.cards;

  const notModified: number[] = [];
  const full: number[] = [];
  const errors: string[] = [];
  const members = await db.selectFrom('member').select(['id', 'organization_id']).where('site_id', '=', tenant.siteId).where('email', 'like', '%@scale.test').where('role', '=', 'user').limit(50).execute();
  const started = performance.now();
  let changes = 0;
  // Half-way through a poll period, one member's access days change: their company's doors (the
  // common zone's and its suite's, 20 of 100) read their new list once; the others answer 304.
  const changing = (async () => {
    for (let at = POLL_EVERY_MS * 1.5; at < options.durationMs; at += CHANGE_EVERY_MS) {
      const wait = started + at - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const member = members[changes % members.length]!;
      await em.transactional(async (tx) => {
        await tx.getKysely().updateTable('member').set({ updated_at: new Date() }).where('id', '=', member.id).execute();
        await bumpAccessLists(tx, { companyId: member.organization_id, siteId: tenant.siteId });
      });
      changes++;
    }
  })();
  await Promise.all(
    doors.map(async (door, i) => {
      // Spread over the period, as real controllers drift apart.
      for (let at = (i * POLL_EVERY_MS) / doors.length; at < options.durationMs; at += POLL_EVERY_MS) {
        const wait = started + at - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const r = await read(door, etags[i]);
        if (r.status === 304) notModified.push(r.ms);
        else if (r.status === 200) {
          full.push(r.ms);
          etags[i] = r.etag;
        } else errors.push(`${r.status}`);
      }
    }),
  );
  await changing;

  // The floor: the common door's list (the longest), straight from the pool.
  const floor: number[] = [];
  for (let i = 0; i < Math.max(full.length, 50); i++) {
    const at = performance.now();
    await doorAccessList(stack.orm.em.fork(), common.id);
    floor.push(performance.now() - at);
  }

  // Entry-event ingest: every controller uploads a batch every 2 s, spread over the period.
  const cardNumbers = (await db.selectFrom('card').select('number').where('site_id', '=', tenant.siteId).limit(2000).execute()).map((c) => c.number);
  const batches: number[] = [];
  let sent = 0;
  const ingestStarted = performance.now();
  await Promise.all(
    doors.map(async (door, i) => {
      for (let at = (i * INGEST_EVERY_MS) / doors.length; at < options.ingestMs; at += INGEST_EVERY_MS) {
        const wait = ingestStarted + at - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const events = Array.from({ length: INGEST_BATCH }, (_, k): EntryEvent => ({ id: randomUUID(), type: k % 10 === 0 ? 'denied' : 'granted', cardNumber: cardNumbers[(i * 31 + k) % cardNumbers.length]!, at: new Date().toISOString() }));
        const t0 = performance.now();
        const response = await uploadEvents(identity(door), events);
        await response.text();
        batches.push(performance.now() - t0);
        if (response.status === 200) sent += events.length;
        else errors.push(`events ${response.status}`);
      }
    }),
  );
  const ingestSeconds = (performance.now() - ingestStarted) / 1000;
  const { n: stored } = await db.selectFrom('entry_event').select((eb) => eb.fn.countAll<number>().as('n')).where('site_id', '=', tenant.siteId).executeTakeFirstOrThrow();
  const p = (values: number[], q: number) => round(percentile(values, q), 1);
  const perSecond = round(sent / ingestSeconds, 0);
  return {
    json: {
      cards: listed,
      companies: options.companies,
      zones: SUITES + 1,
      controllers: options.controllers,
      poll_every_s: POLL_EVERY_MS / 1000,
      change_every_s: CHANGE_EVERY_MS / 1000,
      duration_s: round(options.durationMs / 1000, 0),
      changes,
      not_modified: { count: notModified.length, p50_ms: p(notModified, 50), p99_ms: p(notModified, 99) },
      full: { count: full.length, p50_ms: p(full, 50), p99_ms: p(full, 99) },
      floor_query: { count: floor.length, p50_ms: p(floor, 50), p99_ms: p(floor, 99) },
      ingest: { events_sent: sent, rows: Number(stored), per_s: perSecond, batch: INGEST_BATCH, batches: batches.length, p50_ms: p(batches, 50), p99_ms: p(batches, 99) },
      errors: errors.length,
    },
    rows: [
      { name: `cards on the common door's list (${options.companies} companies, ${options.controllers} controllers, ${SUITES + 1} zones)`, value: listed ?? 0, unit: 'cards' },
      { name: `full reads (${changes} changes, each bumping 20 of ${options.controllers} doors)`, value: full.length, unit: 'reads' },
      { name: '304 p50', value: p(notModified, 50), unit: 'ms' },
      { name: '304 p99', value: p(notModified, 99), unit: 'ms', goal: { max: GOAL_304_P99_MS } },
      { name: 'full 200 p50', value: p(full, 50), unit: 'ms' },
      { name: 'floor: the common door\'s list from the pool, p50', value: p(floor, 50), unit: 'ms' },
      { name: 'floor: the common door\'s list from the pool, p99', value: p(floor, 99), unit: 'ms' },
      { name: 'full 200 p99', value: p(full, 99), unit: 'ms', goal: { max: round(GOAL_200_TIMES_FLOOR * percentile(floor, 99), 1), text: `≤ ${GOAL_200_TIMES_FLOOR}× the floor's p99` } },
      { name: `entry events ingested (batches of ${INGEST_BATCH} from ${options.controllers} controllers)`, value: perSecond, unit: 'events/s', goal: { min: GOAL_INGEST_PER_S } },
      { name: 'entry-event batch p50', value: p(batches, 50), unit: 'ms' },
      { name: 'entry-event batch p99', value: p(batches, 99), unit: 'ms', goal: { max: GOAL_BATCH_P99_MS } },
      { name: 'rows stored minus events sent', value: Number(stored) - sent, unit: 'rows', goal: { max: 0, min: 0 } },
      { name: 'errors', value: errors.length, unit: 'requests', goal: { max: 0 } },
    ],
  };
}

// What happened at the doors: each controller uploads its decisions in signed batches. Movement
// records are the operator's (who is present now, the access log), never a company admin's:
// access logs are not time-tracking. They are purged after ENTRY_EVENT_RETENTION_DAYS.
import { sql } from 'kysely';
import type { EntityManager } from '../../db/orm.ts';
import { dbNow } from '../../db/sql.ts';
import type { EntryEventType } from '../../db/entities/entry-event.entity.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { findSite } from '../sites/sites.ts';
import { arriveVisits } from '../visits/visit-changes.ts';
import { dateAt, midnightAt, nextDay } from '../time.ts';

export interface EntryEventInput {
  id: string;
  type: EntryEventType;
  /** A card's number, or (a visitor's PIN, decided offline) the visit's id from the list. */
  cardNumber?: string;
  visitId?: string;
  at: string;
  reason?: string;
}

/**
 * Stores a controller's batch. Idempotent by the controller's event ids: a batch sent again after
 * a lost answer (or overlapping the last one) stores only what is new. Each event is tied to the
 * card's member and company as they are now, and to the door's zone.
 */
export async function recordEntryEvents(em: EntityManager, door: { doorControllerId: string; siteId: string; zoneId: string }, events: EntryEventInput[]) {
  // An event and the visit it uses up are stored together; a batch of cards alone needs no transaction.
  return events.some((e) => e.visitId !== undefined) ? em.transactional((tx) => storeEntryEvents(tx, door, events)) : storeEntryEvents(em, door, events);
}

async function storeEntryEvents(em: EntityManager, door: { doorControllerId: string; siteId: string; zoneId: string }, events: EntryEventInput[]) {
  const db = em.getKysely();
  const numbers = [...new Set(events.flatMap((e) => (e.cardNumber === undefined ? [] : [e.cardNumber])))];
  // Looked up apart, by the card's unique index: joined into the insert, the planner guesses badly.
  const cards = await db
    .selectFrom('card as c')
    .leftJoin('member as m', 'm.id', 'c.member_id')
    .select(['c.number', 'c.member_id', 'm.organization_id'])
    .where('c.site_id', '=', door.siteId)
    .where('c.number', 'in', numbers.length ? numbers : [''])
    .execute();
  const byNumber = new Map(cards.map((c) => [c.number, c]));
  const card = (e: EntryEventInput) => (e.cardNumber === undefined ? undefined : byNumber.get(e.cardNumber));
  // One id twice in the same batch is one event.
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  const stored = await db
    .insertInto('entry_event')
    .values(
      unique.map((e) => ({
        door_controller_id: door.doorControllerId,
        event_id: e.id,
        site_id: door.siteId,
        zone_id: door.zoneId,
        type: e.type,
        card_number: e.cardNumber ?? null,
        visit_id: e.visitId ?? null,
        reason: e.reason ?? null,
        member_id: card(e)?.member_id ?? null,
        organization_id: card(e)?.organization_id ?? null,
        occurred_at: new Date(e.at),
        received_at: dbNow,
      })),
    )
    .onConflict((oc) => oc.columns(['door_controller_id', 'event_id']).doNothing())
    .returning(['visit_id', 'type', 'occurred_at'])
    .execute();
  // A visitor's PIN that opened an offline door is consumed now (once: a second use is only an event).
  const arrivals = stored.filter((e) => e.visit_id !== null && e.type === 'granted').map((e) => ({ visitId: e.visit_id!, at: new Date(e.occurred_at) }));
  const arrived = arrivals.length ? await arriveVisits(em, door, arrivals) : [];
  return { received: events.length, stored: stored.length, duplicates: events.length - stored.length, arrived };
}

export interface EntryEventView {
  id: string;
  eventId: string;
  type: EntryEventType;
  reason: string | null;
  cardNumber: string | null;
  /** A visitor's PIN: the visit, with the visitor's name (null once purged). */
  visit: { id: string; visitorName: string | null } | null;
  at: string;
  doorController: { id: string; name: string };
  zone: { id: string; name: string } | null;
  member: { id: string; name: string } | null;
  company: { id: string; name: string } | null;
}

const eventsAt = (em: EntityManager, siteId: string) =>
  em
    .getKysely()
    .selectFrom('entry_event as e')
    .innerJoin('door_controller as d', 'd.id', 'e.door_controller_id')
    .leftJoin('zone as z', 'z.id', 'e.zone_id')
    .leftJoin('member as m', 'm.id', 'e.member_id')
    .leftJoin('organization as o', 'o.id', 'e.organization_id')
    .leftJoin('visit as v', 'v.id', 'e.visit_id')
    .select(['e.id', 'e.event_id', 'e.type', 'e.reason', 'e.card_number', 'e.visit_id', 'v.visitor_name', 'e.occurred_at', 'd.id as door_id', 'd.name as door_name', 'z.id as zone_id', 'z.name as zone_name', 'm.id as member_id', 'm.name as member_name', 'o.id as company_id', 'o.name as company_name'])
    .where('e.site_id', '=', siteId);

type EventRow = Awaited<ReturnType<ReturnType<typeof eventsAt>['execute']>>[number];

const view = (r: EventRow): EntryEventView => ({
  id: String(r.id),
  eventId: r.event_id,
  type: r.type,
  reason: r.reason,
  cardNumber: r.card_number,
  visit: r.visit_id ? { id: r.visit_id, visitorName: r.visitor_name } : null,
  at: new Date(r.occurred_at).toISOString(),
  doorController: { id: r.door_id, name: r.door_name },
  zone: r.zone_id ? { id: r.zone_id, name: r.zone_name! } : null,
  member: r.member_id ? { id: r.member_id, name: r.member_name! } : null,
  company: r.company_id ? { id: r.company_id, name: r.company_name! } : null,
});

/**
 * The evacuation roll-call: each card's last event today (at the site), kept when it was a granted
 * entry. Doors record entries, not exits, so this is who came in today and was not refused since.
 */
export async function presentNow(em: EntityManager, operatorId: string, siteId: string, now: Date) {
  const site = await findSite(em, { operatorId }, siteId);
  const date = dateAt(now, site.timeZone);
  const rows = await eventsAt(em, siteId)
    // A card, or a visitor's PIN (no card).
    .distinctOn(sql`coalesce(e.card_number, e.visit_id::text)`)
    .where('e.occurred_at', '>=', midnightAt(date, site.timeZone))
    .where('e.occurred_at', '<', midnightAt(nextDay(date), site.timeZone))
    .orderBy(sql`coalesce(e.card_number, e.visit_id::text)`)
    .orderBy('e.occurred_at', 'desc')
    .orderBy('e.id', 'desc')
    .execute();
  const present = rows.filter((r) => r.type === 'granted').map(view);
  return { siteId, date, items: present.sort((a, b) => b.at.localeCompare(a.at)) };
}

export interface EntryLogFilter {
  from?: string;
  to?: string;
  type?: EntryEventType;
  cardNumber?: string;
  doorControllerId?: string;
  companyId?: string;
}

const cursorOf = (e: EntryEventView) => encodeCursor([e.at, e.id]);
const readCursor = (cursor: string) =>
  decodeCursor<[string, string]>(cursor, (v) => v.length === 2 && typeof v[0] === 'string' && !Number.isNaN(Date.parse(v[0])) && typeof v[1] === 'string' && /^\d{1,18}$/.test(v[1]));

/** The operator's access log of a site, latest first, filtered; `limit` per page (a CSV export pages through it all). */
export async function entryLog(em: EntityManager, operatorId: string, siteId: string, filter: EntryLogFilter, page: { cursor?: string; limit: number }) {
  await findSite(em, { operatorId }, siteId);
  let q = eventsAt(em, siteId);
  if (filter.from) q = q.where('e.occurred_at', '>=', new Date(filter.from));
  if (filter.to) q = q.where('e.occurred_at', '<', new Date(filter.to));
  if (filter.type) q = q.where('e.type', '=', filter.type);
  if (filter.cardNumber) q = q.where('e.card_number', '=', filter.cardNumber);
  if (filter.doorControllerId) q = q.where('e.door_controller_id', '=', filter.doorControllerId);
  if (filter.companyId) q = q.where('e.organization_id', '=', filter.companyId);
  if (page.cursor) {
    const [at, id] = readCursor(page.cursor);
    q = q.where((eb) => eb.or([eb('e.occurred_at', '<', new Date(at)), eb.and([eb('e.occurred_at', '=', new Date(at)), eb('e.id', '<', Number(id))])]));
  }
  const rows = await q.orderBy('e.occurred_at', 'desc').orderBy('e.id', 'desc').limit(page.limit + 1).execute();
  const items = rows.slice(0, page.limit).map(view);
  return { items, nextCursor: rows.length > page.limit ? cursorOf(items.at(-1)!) : null };
}

/** Drops the movement records older than `before`, a batch at a time (no long lock on a busy table). */
export async function purgeEntryEvents(em: EntityManager, before: Date, options: { operatorId?: string; batch?: number } = {}): Promise<number> {
  const batch = options.batch ?? 10_000;
  const db = em.getKysely();
  let purged = 0;
  for (;;) {
    const gone = await db
      .deleteFrom('entry_event')
      .where('id', 'in', (options.operatorId ? db.selectFrom('entry_event').where('site_id', 'in', db.selectFrom('site').select('id').where('operator_id', '=', options.operatorId)) : db.selectFrom('entry_event')).select('id').where('occurred_at', '<', before).limit(batch))
      .executeTakeFirst();
    const n = Number(gone.numDeletedRows);
    purged += n;
    if (n < batch) return purged;
  }
}

/** The log as spreadsheet lines (a header, then every matching event, latest first), a page at a time. */
export async function entryLogLines(em: EntityManager, operatorId: string, siteId: string, filter: EntryLogFilter): Promise<string[][]> {
  const lines = [['at', 'type', 'reason', 'card', 'door', 'zone', 'member', 'company', 'visit']];
  let cursor: string | undefined;
  do {
    const page = await entryLog(em, operatorId, siteId, filter, { cursor, limit: 1000 });
    for (const e of page.items) lines.push([e.at, e.type, e.reason ?? '', e.cardNumber ?? '', e.doorController.name, e.zone?.name ?? '', e.member?.name ?? '', e.company?.name ?? '', e.visit?.id ?? '']);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return lines;
}

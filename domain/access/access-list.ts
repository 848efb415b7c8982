// A door's access list, and the facts the server decides from. The list is every card that may
// open this door at some time, each with its windows (site hours ∩ the company's grant ∩ the
// member's access days) and dates, so the door decides offline with the same rule (decide.ts).
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { EntityManager } from '../../db/orm.ts';
import type { AccessDayChoice, Schedule } from '../../db/entities/schedule.ts';
import { midnightAt } from '../time.ts';
import { dateText } from '../members/schedule.ts';
import { VISITOR_PIN_HASH } from '../visits/visitor-pin.ts';
import { visitorEntries } from '../visits/visitor-facts.ts';
import type { VisitorEntry } from '../visits/visitor-entry.ts';
import { compileEntry, mayOpen, type AccessDecision, type AccessEntry, type AccessFacts } from './decide.ts';

export interface DoorAccessList {
  /** The door's zone: with the version, it names the list's content (versions.ts). */
  zoneId: string;
  version: number;
  timeZone: string;
  cards: AccessEntry[];
  /** An entrance door's (the common zone's) live visitor PINs, hashed; null at any other door. */
  visitorPins: { hash: typeof VISITOR_PIN_HASH & { salt: string }; entries: VisitorEntry[] } | null;
}

/** A door controller's zone and version alone: what most polls (If-None-Match) need. */
export async function doorAccessListVersion(em: EntityManager, doorControllerId: string): Promise<{ zoneId: string; version: number } | undefined> {
  const row = await em.getKysely().selectFrom('door_controller').select(['zone_id', 'access_list_version']).where('id', '=', doorControllerId).executeTakeFirst();
  return row && { zoneId: row.zone_id, version: row.access_list_version };
}

interface CardRow {
  number: string;
  company_id: string;
  active: boolean;
  access_days: AccessDayChoice[] | null;
  day_pass_dates: string[] | null;
  starts_on: string | Date | null;
  ends_at: string | Date | null;
}

function factsOf(card: CardRow, grant: { schedule: Schedule | null } | undefined, site: { timeZone: string; openingHours: Schedule | null }): AccessFacts {
  const startsOn = dateText(card.starts_on);
  return {
    cardNumber: card.number,
    active: card.active,
    zoneGranted: grant !== undefined,
    grantSchedule: grant?.schedule ?? null,
    siteHours: site.openingHours,
    accessDays: card.access_days,
    dayPassDates: card.day_pass_dates,
    validFrom: startsOn ? midnightAt(startsOn, site.timeZone).toISOString() : null,
    validUntil: card.ends_at === null ? null : new Date(card.ends_at).toISOString(),
  };
}

/** The door's list: one statement, one snapshot, so the version names exactly the cards listed with it. */
export async function doorAccessList(em: EntityManager, doorControllerId: string): Promise<DoorAccessList | undefined> {
  const row = await em
    .getKysely()
    .selectFrom('door_controller as d')
    .innerJoin('site as s', 's.id', 'd.site_id')
    .select((eb) => [
      'd.access_list_version as version',
      'd.zone_id',
      'd.site_id',
      's.time_zone',
      's.opening_hours',
      's.visitor_pin_salt',
      eb.selectFrom('zone as z').select('z.common').whereRef('z.id', '=', 'd.zone_id').as('entrance'),
      jsonArrayFrom(
        eb
          .selectFrom('zone_grant as g')
          .innerJoin('member as m', (j) => j.onRef('m.organization_id', '=', 'g.organization_id').onRef('m.site_id', '=', 'd.site_id'))
          .innerJoin('card as c', (j) => j.onRef('c.member_id', '=', 'm.id').onRef('c.site_id', '=', 'd.site_id').on('c.state', '=', 'assigned').on('c.access_granted_at', 'is not', null))
          .select(['c.number', 'g.schedule', 'm.access_days', 'm.day_pass_dates', 'm.starts_on', 'm.ends_at', 'm.organization_id as company_id'])
          .whereRef('g.zone_id', '=', 'd.zone_id')
          .orderBy('c.number'),
      ).as('cards'),
    ])
    .where('d.id', '=', doorControllerId)
    .executeTakeFirst();
  if (!row) return undefined;
  const site = { timeZone: row.time_zone, openingHours: row.opening_hours };
  const cards: AccessEntry[] = [];
  // Thousands of cards share a handful of (grant, access days) pairs: each intersection is made once.
  const memo = new Map<string, Schedule>();
  for (const c of row.cards) {
    const entry = compileEntry(factsOf({ ...c, active: true }, { schedule: c.schedule }, site), memo);
    if (entry) cards.push(entry);
  }
  const visitorPins = row.entrance ? { hash: { ...VISITOR_PIN_HASH, salt: row.visitor_pin_salt }, entries: await visitorEntries(em, row.site_id) } : null;
  return { zoneId: row.zone_id, version: row.version, timeZone: row.time_zone, cards, visitorPins };
}

/** Everything the server knows to decide at a site's doors (one card's, or every assigned card's). */
export async function siteAccessFacts(em: EntityManager, siteId: string, options: { cardNumber?: string } = {}) {
  const db = em.getKysely();
  const site = await db.selectFrom('site').select(['time_zone', 'opening_hours']).where('id', '=', siteId).executeTakeFirstOrThrow();
  const doors = await db.selectFrom('door_controller').select(['id', 'zone_id']).where('site_id', '=', siteId).execute();
  let cardQuery = db
    .selectFrom('card as c')
    .innerJoin('member as m', 'm.id', 'c.member_id')
    .select((eb) => ['c.number', 'm.organization_id as company_id', eb('c.access_granted_at', 'is not', null).as('active'), 'm.access_days', 'm.day_pass_dates', 'm.starts_on', 'm.ends_at'])
    .where('c.site_id', '=', siteId)
    .where('c.state', '=', 'assigned');
  if (options.cardNumber !== undefined) cardQuery = cardQuery.where('c.number', '=', options.cardNumber);
  const cards = await cardQuery.execute();
  const grants = await db
    .selectFrom('zone_grant as g')
    .innerJoin('zone as z', 'z.id', 'g.zone_id')
    .select(['g.organization_id', 'g.zone_id', 'g.schedule'])
    .where('z.site_id', '=', siteId)
    .execute();
  const grantOf = new Map(grants.map((g) => [`${g.organization_id}/${g.zone_id}`, { schedule: g.schedule }]));
  const where = { timeZone: site.time_zone, openingHours: site.opening_hours };
  return {
    timeZone: site.time_zone,
    /** The facts for one card at one door (undefined: no such assigned card). */
    facts(doorControllerId: string, cardNumber: string): AccessFacts | undefined {
      const door = doors.find((d) => d.id === doorControllerId);
      const card = cards.find((c) => c.number === cardNumber);
      if (!door || !card) return undefined;
      return factsOf({ ...card, active: Boolean(card.active) }, grantOf.get(`${card.company_id}/${door.zone_id}`), where);
    },
  };
}

/** The server's answer to "may this card open this door at `at`?". */
export async function decideAtDoor(em: EntityManager, input: { siteId: string; doorControllerId: string; cardNumber: string; at: Date }): Promise<AccessDecision> {
  const site = await siteAccessFacts(em, input.siteId, { cardNumber: input.cardNumber });
  const facts = site.facts(input.doorControllerId, input.cardNumber);
  return facts ? mayOpen(facts, site.timeZone, input.at.getTime()) : { granted: false, reason: 'unknown_card' };
}

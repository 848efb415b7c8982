// What the server knows about a site's live visitor PINs: each visit with its host's hours at the
// entrance, for a door's list (hashed) and for the server's own decision at a door.
import type { EntityManager } from '../../db/orm.ts';
import type { Schedule } from '../../db/entities/schedule.ts';
import { dateText } from '../members/schedule.ts';
import { visitEntry, type VisitFacts, type VisitorEntry } from './visitor-entry.ts';

/** The site's common zone: the only one a visitor PIN opens. */
export async function entranceZoneId(em: EntityManager, siteId: string): Promise<string | undefined> {
  const row = await em.getKysely().selectFrom('zone').select('id').where('site_id', '=', siteId).where('common', '=', true).executeTakeFirst();
  return row?.id;
}

/** Visits with what decides their PIN: the host, their company's grant of the entrance, the site's hours. */
function visitsWithHosts(em: EntityManager) {
  return em
    .getKysely()
    .selectFrom('visit as v')
    .innerJoin('site as s', 's.id', 'v.site_id')
    .innerJoin('member as h', 'h.id', 'v.host_id')
    .innerJoin('zone as z', (j) => j.onRef('z.site_id', '=', 'v.site_id').on('z.common', '=', true))
    .leftJoin('zone_grant as g', (j) => j.onRef('g.zone_id', '=', 'z.id').onRef('g.organization_id', '=', 'v.organization_id'))
    .select([
      'v.id', 'v.status', 'v.pin_hash', 'v.date', 'v.valid_from', 'v.valid_until', 'h.status as host_status', 'h.access_days', 'g.zone_id as granted', 'g.schedule',
      's.opening_hours', 'z.id as entrance_zone_id',
    ]);
}

type VisitRow = Awaited<ReturnType<ReturnType<typeof visitsWithHosts>['execute']>>[number];

const factsOf = (v: VisitRow): VisitFacts => ({
  visitId: v.id,
  live: v.status === 'expected' && v.pin_hash !== null && v.host_status !== 'removed',
  date: dateText(v.date)!,
  validFrom: new Date(v.valid_from).toISOString(),
  validUntil: new Date(v.valid_until).toISOString(),
  zoneGranted: v.granted !== null,
  grantSchedule: v.schedule,
  siteHours: v.opening_hours,
  hostAccessDays: v.access_days,
});

/** The live visitor PINs an entrance door's list carries, hashed, each with when it opens. */
export async function visitorEntries(em: EntityManager, siteId: string): Promise<VisitorEntry[]> {
  const rows = await visitsWithHosts(em).where('v.site_id', '=', siteId).where('v.status', '=', 'expected').where('v.pin_hash', 'is not', null).where('v.valid_until', '>', new Date()).orderBy('v.pin_hash').execute();
  const memo = new Map<string, Schedule>();
  const entries: VisitorEntry[] = [];
  for (const row of rows) {
    const entry = visitEntry(factsOf(row), memo);
    if (entry) entries.push({ visitId: row.id, pinHash: row.pin_hash!, windows: entry.windows, closures: entry.closures, dates: entry.dates, validFrom: entry.validFrom, validUntil: entry.validUntil });
  }
  return entries;
}

/** One visit's facts, by its live PIN's hash at the site, with the site's entrance zone. */
export async function visitFactsByPin(em: EntityManager, siteId: string, pinHash: string): Promise<{ facts: VisitFacts; entranceZoneId: string } | undefined> {
  const row = await visitsWithHosts(em).where('v.site_id', '=', siteId).where('v.pin_hash', '=', pinHash).executeTakeFirst();
  return row && { facts: factsOf(row), entranceZoneId: row.entrance_zone_id };
}

/** One visit's facts, by its id (undefined: no such visit). */
export async function visitFactsById(em: EntityManager, visitId: string): Promise<VisitFacts | undefined> {
  const row = await visitsWithHosts(em).where('v.id', '=', visitId).executeTakeFirst();
  return row && factsOf(row);
}

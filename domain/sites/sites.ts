// The operator's sites. The operator writes them; a company reads only the sites granted to it,
// and never their hardware (door controllers: domain/door/controllers.ts; card stock:
// domain/cards/stock.ts).
import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder } from 'kysely';
import { dbNow } from '../../db/sql.ts';
import type { Database, EntityManager, Row } from '../../db/orm.ts';
import type { Schedule } from '../../db/entities/schedule.ts';
import { recordAudit } from '../audit.ts';
import { bumpAccessLists } from '../access/versions.ts';
import { DomainError, isUniqueViolation } from '../errors.ts';

export interface SiteView {
  id: string;
  name: string;
  address: string | null;
  timeZone: string;
  wifiSsid: string | null;
  accessListVersion: number;
  /** Null: always open. */
  openingHours: Schedule | null;
  /** What a visitor's e-mail says about getting in. */
  visitorInstructions: string | null;
  createdAt: string;
}

const siteView = (r: Row<'site'>): SiteView => ({
  id: r.id,
  name: r.name,
  address: r.address,
  timeZone: r.time_zone,
  wifiSsid: r.wifi_ssid,
  accessListVersion: r.access_list_version,
  openingHours: r.opening_hours,
  visitorInstructions: r.visitor_instructions,
  createdAt: new Date(r.created_at).toISOString(),
});

/** Who is looking: the operator sees all its sites, a company those granted to it. */
export type SiteScope = { operatorId: string } | { companyId: string };

/** The sites `scope` may see, as a condition on `site as s`. */
const visibleTo = (scope: SiteScope) => (eb: ExpressionBuilder<Database & { s: Database['site'] }, 's'>) =>
  'operatorId' in scope
    ? eb('s.operator_id', '=', scope.operatorId)
    : eb.exists(eb.selectFrom('company_site as g').select(sql.lit(1).as('one')).whereRef('g.site_id', '=', 's.id').where('g.organization_id', '=', scope.companyId));

/** The common zone's name when a site is made (the operator may rename it). */
export const COMMON_ZONE_NAME = 'Entrance and common areas';

/** Every site has one common zone, made with it: the doors every company granted the site may open. */
export async function createCommonZone(em: EntityManager, siteId: string): Promise<string> {
  const row = await em.getKysely().insertInto('zone').values({ id: randomUUID(), site_id: siteId, name: COMMON_ZONE_NAME, common: true, created_at: dbNow }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function createSite(
  em: EntityManager,
  input: { operatorId: string; name: string; address?: string | null; timeZone?: string; wifiSsid?: string | null; actor: string },
): Promise<SiteView> {
  try {
    return await em.transactional(async (tx) => {
      const row = await tx
        .getKysely()
        .insertInto('site')
        .values({
          id: randomUUID(),
          operator_id: input.operatorId,
          name: input.name.trim(),
          address: input.address?.trim() || null,
          time_zone: input.timeZone ?? 'Europe/Paris',
          wifi_ssid: input.wifiSsid ?? null,
          access_list_version: 0,
          created_at: dbNow,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await createCommonZone(tx, row.id);
      await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'site.created', data: { siteId: row.id, name: row.name } });
      return siteView(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('site_exists', 'conflict', `there is already a site named "${input.name.trim()}"`);
    throw error;
  }
}

/** Name, address, time zone, Wi-Fi network, visitors' arrival instructions: what changes is audited with its before and after. */
export async function updateSite(
  em: EntityManager,
  input: { operatorId: string; siteId: string; name?: string; address?: string | null; timeZone?: string; wifiSsid?: string | null; visitorInstructions?: string | null; actor: string },
): Promise<SiteView> {
  try {
    return await em.transactional(async (tx) => {
      const db = tx.getKysely();
      const before = await db.selectFrom('site').selectAll().where('id', '=', input.siteId).where('operator_id', '=', input.operatorId).forUpdate().executeTakeFirst();
      if (!before) throw new DomainError('site_not_found', 'not_found', `no site ${input.siteId}`);
      const next = {
        name: input.name?.trim() ?? before.name,
        address: input.address === undefined ? before.address : input.address?.trim() || null,
        time_zone: input.timeZone ?? before.time_zone,
        wifi_ssid: input.wifiSsid === undefined ? before.wifi_ssid : input.wifiSsid,
        visitor_instructions: input.visitorInstructions === undefined ? before.visitor_instructions : input.visitorInstructions?.trim() || null,
      };
      const names = { time_zone: 'timeZone', wifi_ssid: 'wifiSsid', visitor_instructions: 'visitorInstructions' } as Record<string, string>;
      const changes = Object.fromEntries(
        (['name', 'address', 'time_zone', 'wifi_ssid', 'visitor_instructions'] as const).filter((k) => next[k] !== before[k]).map((k) => [names[k] ?? k, { from: before[k], to: next[k] }]),
      );
      if (!Object.keys(changes).length) return siteView(before);
      const row = await db.updateTable('site').set(next).where('id', '=', input.siteId).returningAll().executeTakeFirstOrThrow();
      // Credentials already handed out show the network by name: they follow the site's.
      // A door's list states its time zone and its windows are read in it.
      if ('timeZone' in changes) await bumpAccessLists(tx, { siteId: input.siteId });
      if ('wifiSsid' in changes) await db.updateTable('wifi_credential').set({ ssid: next.wifi_ssid }).where('site_id', '=', input.siteId).where('revoked_at', 'is', null).execute();
      await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'site.updated', data: { siteId: input.siteId, changes } });
      return siteView(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('site_exists', 'conflict', `there is already a site named "${input.name?.trim()}"`);
    throw error;
  }
}

export async function listSites(em: EntityManager, scope: SiteScope): Promise<SiteView[]> {
  const rows = await em.getKysely().selectFrom('site as s').selectAll('s').where(visibleTo(scope)).orderBy('s.name').execute();
  return rows.map(siteView);
}

/** The site if the caller may see it; a site of the operator not granted to a company is "not found" to it. */
export async function findSite(em: EntityManager, scope: SiteScope, siteId: string): Promise<SiteView> {
  const row = await em.getKysely().selectFrom('site as s').selectAll('s').where('s.id', '=', siteId).where(visibleTo(scope)).executeTakeFirst();
  if (!row) throw new DomainError('site_not_found', 'not_found', `no site ${siteId}`);
  return siteView(row);
}

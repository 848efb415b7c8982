// What the operator grants: a company zones of the sites it is granted, each on a schedule, and
// each site its opening hours. Every change is audited with its before and after, and bumps the
// access lists of the doors it changes (versions.ts).
import { dbNow, jsonb } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { Schedule } from '../../db/entities/schedule.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { findSite } from '../sites/sites.ts';
import { getCompany } from '../companies/companies.ts';
import { checkSchedule } from './schedule.ts';
import { bumpAccessLists } from './versions.ts';
import { findZone } from './zones.ts';

export interface ZoneGrantView {
  zoneId: string;
  zoneName: string;
  siteId: string;
  siteName: string;
  common: boolean;
  /** Null: at any hour the site is open. */
  schedule: Schedule | null;
  grantedAt: string;
}

export async function listZoneGrants(em: EntityManager, companyId: string): Promise<ZoneGrantView[]> {
  const rows = await em
    .getKysely()
    .selectFrom('zone_grant as g')
    .innerJoin('zone as z', 'z.id', 'g.zone_id')
    .innerJoin('site as s', 's.id', 'z.site_id')
    .select(['g.zone_id', 'z.name as zone_name', 'z.common', 's.id as site_id', 's.name as site_name', 'g.schedule', 'g.granted_at'])
    .where('g.organization_id', '=', companyId)
    .orderBy('s.name')
    .orderBy('z.common', 'desc')
    .orderBy('z.name')
    .execute();
  return rows.map((r) => ({ zoneId: r.zone_id, zoneName: r.zone_name, siteId: r.site_id, siteName: r.site_name, common: r.common, schedule: r.schedule, grantedAt: new Date(r.granted_at).toISOString() }));
}

/** Grants a company a zone, or changes the schedule it has it on. The zone's site must be granted to the company. */
export async function grantZone(em: EntityManager, input: { operatorId: string; companyId: string; zoneId: string; schedule: Schedule | null; actor: string }): Promise<ZoneGrantView> {
  await getCompany(em, input.operatorId, input.companyId);
  const zone = await findZone(em, input.operatorId, input.zoneId);
  const schedule = input.schedule ? checkSchedule(input.schedule, 'schedule') : null;
  await em.transactional(async (tx) => {
    const db = tx.getKysely();
    const site = await db.selectFrom('company_site').select('site_id').where('organization_id', '=', input.companyId).where('site_id', '=', zone.site_id).executeTakeFirst();
    if (!site) throw new DomainError('zone_of_another_site', 'invalid', `zone "${zone.name}" is at a site not granted to the company: grant the site first`, { field: 'zoneId' });
    const before = await db.selectFrom('zone_grant').select('schedule').where('organization_id', '=', input.companyId).where('zone_id', '=', zone.id).forUpdate().executeTakeFirst();
    if (before && JSON.stringify(before.schedule) === JSON.stringify(schedule)) return;
    await db
      .insertInto('zone_grant')
      .values({ organization_id: input.companyId, zone_id: zone.id, schedule: schedule ? jsonb<Schedule>(schedule) : null, granted_at: dbNow })
      .onConflict((oc) => oc.columns(['organization_id', 'zone_id']).doUpdateSet({ schedule: schedule ? jsonb<Schedule>(schedule) : null }))
      .execute();
    await bumpAccessLists(tx, { zoneId: zone.id });
    await recordAudit(tx, {
      companyId: input.companyId,
      operatorId: input.operatorId,
      actor: input.actor,
      type: before ? 'zone_grant.changed' : 'zone_grant.granted',
      data: { zoneId: zone.id, zoneName: zone.name, siteId: zone.site_id, ...(before ? { from: before.schedule } : {}), to: schedule },
    });
  });
  return (await listZoneGrants(em, input.companyId)).find((g) => g.zoneId === zone.id)!;
}

/** Takes a zone away from a company: its cards come off that zone's doors' lists, and only those. */
export async function revokeZone(em: EntityManager, input: { operatorId: string; companyId: string; zoneId: string; actor: string }): Promise<void> {
  await getCompany(em, input.operatorId, input.companyId);
  const zone = await findZone(em, input.operatorId, input.zoneId);
  await em.transactional(async (tx) => {
    const gone = await tx.getKysely().deleteFrom('zone_grant').where('organization_id', '=', input.companyId).where('zone_id', '=', zone.id).returning('schedule').executeTakeFirst();
    if (!gone) throw new DomainError('zone_grant_not_found', 'not_found', `the company is not granted zone "${zone.name}"`);
    await bumpAccessLists(tx, { zoneId: zone.id });
    await recordAudit(tx, { companyId: input.companyId, operatorId: input.operatorId, actor: input.actor, type: 'zone_grant.revoked', data: { zoneId: zone.id, zoneName: zone.name, siteId: zone.site_id, from: gone.schedule, to: null } });
  });
}

/** A site's opening hours and closures (null: always open); every card's access is within them. */
export async function setOpeningHours(em: EntityManager, input: { operatorId: string; siteId: string; openingHours: Schedule | null; actor: string }): Promise<Schedule | null> {
  await findSite(em, { operatorId: input.operatorId }, input.siteId);
  const hours = input.openingHours ? checkSchedule(input.openingHours, 'openingHours') : null;
  await em.transactional(async (tx) => {
    const db = tx.getKysely();
    const before = await db.selectFrom('site').select('opening_hours').where('id', '=', input.siteId).forUpdate().executeTakeFirstOrThrow();
    if (JSON.stringify(before.opening_hours) === JSON.stringify(hours)) return;
    await db.updateTable('site').set({ opening_hours: hours ? jsonb<Schedule>(hours) : null }).where('id', '=', input.siteId).execute();
    await bumpAccessLists(tx, { siteId: input.siteId });
    await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'site.hours_changed', data: { siteId: input.siteId, from: before.opening_hours, to: hours } });
  });
  return hours;
}

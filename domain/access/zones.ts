// A site's zones and which door guards which: the operator's map of its building. Every site has
// its common zone (made with the site), where a door controller goes unless told otherwise.
import { randomUUID } from 'node:crypto';
import { dbNow } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import { DomainError, isUniqueViolation } from '../errors.ts';
import { findSite } from '../sites/sites.ts';
import { joinZone } from './versions.ts';

export interface ZoneView {
  id: string;
  siteId: string;
  name: string;
  common: boolean;
  doorControllers: { id: string; name: string }[];
  companies: { id: string; name: string }[];
}

export async function commonZoneOf(em: EntityManager, siteId: string): Promise<string> {
  const row = await em.getKysely().selectFrom('zone').select('id').where('site_id', '=', siteId).where('common', '=', true).executeTakeFirstOrThrow();
  return row.id;
}

export async function listZones(em: EntityManager, operatorId: string, siteId: string): Promise<ZoneView[]> {
  await findSite(em, { operatorId }, siteId);
  const db = em.getKysely();
  const zones = await db.selectFrom('zone').select(['id', 'name', 'common']).where('site_id', '=', siteId).orderBy('common', 'desc').orderBy('name').execute();
  const doors = await db.selectFrom('door_controller').select(['id', 'name', 'zone_id']).where('site_id', '=', siteId).orderBy('name').execute();
  const grants = await db
    .selectFrom('zone_grant as g')
    .innerJoin('organization as o', 'o.id', 'g.organization_id')
    .innerJoin('zone as z', 'z.id', 'g.zone_id')
    .select(['g.zone_id', 'o.id', 'o.name'])
    .where('z.site_id', '=', siteId)
    .orderBy('o.name')
    .execute();
  return zones.map((z) => ({
    id: z.id,
    siteId,
    name: z.name,
    common: z.common,
    doorControllers: doors.filter((d) => d.zone_id === z.id).map(({ id, name }) => ({ id, name })),
    companies: grants.filter((g) => g.zone_id === z.id).map(({ id, name }) => ({ id, name })),
  }));
}

/** The zone, if it is one of the operator's (at `siteId` when given). */
export async function findZone(em: EntityManager, operatorId: string, zoneId: string, siteId?: string) {
  let query = em.getKysely().selectFrom('zone as z').innerJoin('site as s', 's.id', 'z.site_id').select(['z.id', 'z.name', 'z.common', 'z.site_id']).where('z.id', '=', zoneId).where('s.operator_id', '=', operatorId);
  if (siteId) query = query.where('z.site_id', '=', siteId);
  const zone = await query.executeTakeFirst();
  if (!zone) throw new DomainError('zone_not_found', 'not_found', `no zone ${zoneId}${siteId ? ' at this site' : ''}`);
  return zone;
}

export async function createZone(em: EntityManager, input: { operatorId: string; siteId: string; name: string; actor: string }): Promise<ZoneView> {
  await findSite(em, { operatorId: input.operatorId }, input.siteId);
  try {
    const id = await em.transactional(async (tx) => {
      const row = await tx.getKysely().insertInto('zone').values({ id: randomUUID(), site_id: input.siteId, name: input.name.trim(), common: false, created_at: dbNow }).returning('id').executeTakeFirstOrThrow();
      await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'zone.created', data: { zoneId: row.id, siteId: input.siteId, name: input.name.trim() } });
      return row.id;
    });
    return (await listZones(em, input.operatorId, input.siteId)).find((z) => z.id === id)!;
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('zone_exists', 'conflict', `the site already has a zone named "${input.name.trim()}"`, { field: 'name' });
    throw error;
  }
}

export async function renameZone(em: EntityManager, input: { operatorId: string; siteId: string; zoneId: string; name: string; actor: string }): Promise<ZoneView> {
  const zone = await findZone(em, input.operatorId, input.zoneId, input.siteId);
  const name = input.name.trim();
  if (name !== zone.name) {
    try {
      await em.transactional(async (tx) => {
        await tx.getKysely().updateTable('zone').set({ name }).where('id', '=', zone.id).execute();
        await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'zone.renamed', data: { zoneId: zone.id, siteId: zone.site_id, from: zone.name, to: name } });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('zone_exists', 'conflict', `the site already has a zone named "${name}"`, { field: 'name' });
      throw error;
    }
  }
  return (await listZones(em, input.operatorId, zone.site_id)).find((z) => z.id === zone.id)!;
}

/** A zone goes when no door guards it any more; its grants go with it. The common zone stays. */
export async function deleteZone(em: EntityManager, input: { operatorId: string; siteId: string; zoneId: string; actor: string }): Promise<void> {
  const zone = await findZone(em, input.operatorId, input.zoneId, input.siteId);
  if (zone.common) throw new DomainError('common_zone', 'conflict', 'every site keeps its common zone (rename it instead)');
  await em.transactional(async (tx) => {
    const doors = await tx.getKysely().selectFrom('door_controller').select('id').where('zone_id', '=', zone.id).execute();
    if (doors.length) throw new DomainError('zone_has_doors', 'conflict', `${doors.length} door controller(s) guard this zone: move them to another zone first`, { doorControllers: doors.map((d) => d.id) });
    await tx.getKysely().deleteFrom('zone').where('id', '=', zone.id).execute();
    await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'zone.deleted', data: { zoneId: zone.id, siteId: zone.site_id, name: zone.name } });
  });
}

/** A door now guards another zone of its site: its list becomes that zone's. */
export async function moveDoorController(em: EntityManager, input: { operatorId: string; siteId: string; doorControllerId: string; zoneId: string; actor: string }): Promise<void> {
  const door = await em
    .getKysely()
    .selectFrom('door_controller as d')
    .innerJoin('site as s', 's.id', 'd.site_id')
    .select(['d.id', 'd.zone_id', 'd.site_id'])
    .where('d.id', '=', input.doorControllerId)
    .where('d.site_id', '=', input.siteId)
    .where('s.operator_id', '=', input.operatorId)
    .executeTakeFirst();
  if (!door) throw new DomainError('door_controller_not_found', 'not_found', `no door controller ${input.doorControllerId} at this site`);
  await zoneOfSite(em, input.operatorId, input.zoneId, door.site_id);
  if (door.zone_id === input.zoneId) return;
  await em.transactional(async (tx) => {
    await tx.getKysely().updateTable('door_controller').set({ zone_id: input.zoneId }).where('id', '=', door.id).execute();
    await joinZone(tx, { id: door.id, zoneId: input.zoneId, siteId: door.site_id, moved: true });
    await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'door_controller.zone_changed', data: { doorControllerId: door.id, siteId: door.site_id, from: door.zone_id, to: input.zoneId } });
  });
}

/** A zone named in a request about `siteId`: one of another site is bad input (400), not "not found". */
export async function zoneOfSite(em: EntityManager, operatorId: string, zoneId: string, siteId: string) {
  const zone = await findZone(em, operatorId, zoneId);
  if (zone.site_id !== siteId) throw new DomainError('zone_of_another_site', 'invalid', `zone ${zoneId} belongs to another site`, { field: 'zoneId' });
  return zone;
}

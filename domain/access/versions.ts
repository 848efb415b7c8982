// Each door's access list has its own version (its ETag). A change bumps the lists it changes and
// no other: a member's access days change their company's doors (and the common zone), not
// another company's suite, so 99 doors keep answering 304 while one reads its new list.
//
// Every change bumps whole zones, and a door joining a zone takes the zone's version: so the
// doors of a zone always share one version, and (zone, version) names one list's content — what
// the API caches it by (api/routes/door.ts).
import type { EntityManager } from '../../db/orm.ts';

/** Whose lists changed: a whole site (its hours), one zone (a grant), one company's doors at a site (a member, a card). A door that moves: joinZone. */
export type ChangedLists = { siteId: string } | { zoneId: string } | { companyId: string; siteId: string };

export async function bumpAccessLists(em: EntityManager, changed: ChangedLists): Promise<void> {
  const db = em.getKysely();
  let doors = db.updateTable('door_controller').set((eb) => ({ access_list_version: eb('access_list_version', '+', 1) }));
  if ('zoneId' in changed) doors = doors.where('zone_id', '=', changed.zoneId);
  else if ('companyId' in changed) {
    doors = doors
      .where('site_id', '=', changed.siteId)
      .where('zone_id', 'in', db.selectFrom('zone_grant').select('zone_id').where('organization_id', '=', changed.companyId));
  } else doors = doors.where('site_id', '=', changed.siteId);
  const bumped = await doors.returning('site_id').execute();
  // The site's own version says "what its doors open changed" (shown on its page and in the API).
  const sites = [...new Set(['siteId' in changed ? [changed.siteId] : [], bumped.map((d) => d.site_id)].flat())];
  if (sites.length) await db.updateTable('site').set((eb) => ({ access_list_version: eb('access_list_version', '+', 1) })).where('id', 'in', sites).execute();
}

/** A member's doors: their company's zones at their site. */
export async function bumpMemberAccessLists(em: EntityManager, memberId: string): Promise<void> {
  const member = await em.getKysely().selectFrom('member').select(['organization_id', 'site_id']).where('id', '=', memberId).executeTakeFirst();
  if (member?.site_id) await bumpAccessLists(em, { companyId: member.organization_id, siteId: member.site_id });
}

/**
 * A door joins a zone (made there, or moved): it takes the zone's version, and a moved door (which
 * holds its old zone's list under some version) gets one it has never had: the zone moves on past
 * both, so no If-None-Match it sends can match the new list by chance.
 */
export async function joinZone(em: EntityManager, door: { id: string; zoneId: string; siteId: string; moved: boolean }): Promise<void> {
  const db = em.getKysely();
  const row = await db
    .selectFrom('door_controller')
    .select((eb) => eb.fn.max('access_list_version').as('version'))
    .where((eb) => eb.or([eb('zone_id', '=', door.zoneId), eb('id', '=', door.id)]))
    .executeTakeFirst();
  const current = Number(row?.version ?? 1);
  if (!door.moved) {
    // A new door: the zone's lists are unchanged, it only takes their version.
    await db.updateTable('door_controller').set({ access_list_version: current }).where('id', '=', door.id).execute();
    return;
  }
  await db.updateTable('door_controller').set({ access_list_version: current + 1 }).where('zone_id', '=', door.zoneId).execute();
  await db.updateTable('site').set((eb) => ({ access_list_version: eb('access_list_version', '+', 1) })).where('id', '=', door.siteId).execute();
}

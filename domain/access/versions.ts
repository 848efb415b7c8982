// Each door's access list has its own version (its ETag). A change bumps the lists it changes and
// no other: a member's access days change their company's doors (and the common zone), not
// another company's suite, so 99 doors keep answering 304 while one reads its new list.
import type { EntityManager } from '../../db/orm.ts';

/** Whose lists changed: a whole site (its hours), one zone (a grant), one company's doors at a site (a member, a card), one door (it moved). */
export type ChangedLists = { siteId: string } | { zoneId: string } | { companyId: string; siteId: string } | { doorControllerId: string };

export async function bumpAccessLists(em: EntityManager, changed: ChangedLists): Promise<void> {
  const db = em.getKysely();
  let doors = db.updateTable('door_controller').set((eb) => ({ access_list_version: eb('access_list_version', '+', 1) }));
  if ('doorControllerId' in changed) doors = doors.where('id', '=', changed.doorControllerId);
  else if ('zoneId' in changed) doors = doors.where('zone_id', '=', changed.zoneId);
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

// A company's zones follow its sites: granting it a site grants the site's common zone (what a
// site's doors were before zones), taking the site away takes every zone of it.
import { dbNow } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import { bumpAccessLists } from './versions.ts';

/** The grants that follow a site's: granting a site grants its common zone; taking it takes every zone there. */
export async function followSiteGrants(em: EntityManager, companyId: string, change: { granted: string[]; taken: string[] }): Promise<void> {
  const db = em.getKysely();
  if (change.granted.length) {
    await db
      .insertInto('zone_grant')
      .columns(['organization_id', 'zone_id', 'schedule', 'granted_at'])
      .expression((eb) => eb.selectFrom('zone').select((z) => [z.val(companyId).as('organization_id'), 'id', z.val(null).as('schedule'), dbNow.as('granted_at')]).where('site_id', 'in', change.granted).where('common', '=', true))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  if (change.taken.length) {
    await db.deleteFrom('zone_grant').where('organization_id', '=', companyId).where('zone_id', 'in', db.selectFrom('zone').select('id').where('site_id', 'in', change.taken)).execute();
  }
  for (const siteId of [...change.granted, ...change.taken]) await bumpAccessLists(em, { siteId });
}

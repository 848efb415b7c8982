// Card access: what makes a registered card open a site's doors. The default keeps the access
// list in the database (cards `assigned` with `access_granted_at` set), where door controllers
// fetch it by version/ETag. A deployment with a vendor access-control system implements the same
// two calls against it. Both run inside the activity's transaction and must be idempotent:
// activities run them again after a crash.
import { sql } from 'kysely';
import { dbNow } from '../db/sql.ts';
import type { EntityManager, Orm } from '../db/orm.ts';

export interface CardAccessProvider {
  grant(em: EntityManager, card: { siteId: string; cardId: string }): Promise<void>;
  revoke(em: EntityManager, card: { siteId: string; cardId: string }): Promise<void>;
}

export function databaseCardAccess(): CardAccessProvider {
  // Each statement changes the list at most once and bumps the site's version only when it did.
  const bump = (em: EntityManager, siteId: string) =>
    em.getKysely().updateTable('site').set((eb) => ({ access_list_version: eb('access_list_version', '+', 1) })).where('id', '=', siteId).execute();
  return {
    async grant(em, { siteId, cardId }) {
      const changed = await em
        .getKysely()
        .updateTable('card')
        .set({ access_granted_at: dbNow })
        .where('id', '=', cardId)
        .where('site_id', '=', siteId)
        .where('state', '=', 'assigned')
        .where('access_granted_at', 'is', null)
        .returning('id')
        .execute();
      if (changed.length) await bump(em, siteId);
    },
    async revoke(em, { siteId, cardId }) {
      const changed = await em
        .getKysely()
        .updateTable('card')
        .set({ access_granted_at: null })
        .where('id', '=', cardId)
        .where('site_id', '=', siteId)
        .where('access_granted_at', 'is not', null)
        .returning('id')
        .execute();
      if (changed.length) await bump(em, siteId);
    },
  };
}

/** The version of the site's access list: what a controller's If-None-Match is compared with. */
export async function siteAccessListVersion(orm: Orm, siteId: string): Promise<number | undefined> {
  const row = await orm.em.fork().getKysely().selectFrom('site').select('access_list_version').where('id', '=', siteId).executeTakeFirst();
  return row?.access_list_version;
}

/** The card numbers a site's door controllers must let in (every company's), and the version that names this list. */
export async function siteAccessList(orm: Orm, siteId: string): Promise<{ version: number; cardNumbers: string[] } | undefined> {
  // One statement, one snapshot: the version always names exactly the cards listed with it.
  const row = await orm.em
    .fork()
    .getKysely()
    .selectFrom('site as s')
    .leftJoin('card as c', (join) => join.onRef('c.site_id', '=', 's.id').on('c.state', '=', 'assigned').on('c.access_granted_at', 'is not', null))
    .select((eb) => ['s.access_list_version as version', sql<string[]>`coalesce(array_agg(${eb.ref('c.number')} order by ${eb.ref('c.number')}) filter (where ${eb.ref('c.id')} is not null), '{}')`.as('numbers')])
    .where('s.id', '=', siteId)
    .groupBy('s.id')
    .executeTakeFirst();
  return row ? { version: row.version, cardNumbers: row.numbers } : undefined;
}

// Card access: what makes a registered card open a site's doors. The default keeps the access
// list in the database (cards `assigned` with `access_granted_at` set), where door controllers
// fetch it by version/ETag. A deployment with a vendor access-control system implements the same
// two calls against it. Both run inside the activity's transaction and must be idempotent:
// activities run them again after a crash.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm.ts';

export interface CardAccessProvider {
  grant(em: EntityManager, card: { siteId: string; cardId: string }): Promise<void>;
  revoke(em: EntityManager, card: { siteId: string; cardId: string }): Promise<void>;
}

export function databaseCardAccess(): CardAccessProvider {
  // Each statement changes the list at most once and bumps the site's version only when it did.
  const change = (sql: string) => async (em: EntityManager, { siteId, cardId }: { siteId: string; cardId: string }) => {
    const rows = await em.execute<{ id: string }[]>(sql, [cardId, siteId]);
    if (rows.length) await em.execute('update site set access_list_version = access_list_version + 1 where id = ?', [siteId]);
  };
  return {
    grant: change(`update card set access_granted_at = now() where id = ? and site_id = ? and state = 'assigned' and access_granted_at is null returning id`),
    revoke: change(`update card set access_granted_at = null where id = ? and site_id = ? and access_granted_at is not null returning id`),
  };
}

/** The version of the site's access list: what a controller's If-None-Match is compared with. */
export async function siteAccessListVersion(orm: Orm, siteId: string): Promise<number | undefined> {
  const [row] = await orm.em.fork().execute<{ version: number }[]>('select access_list_version as version from site where id = ?', [siteId]);
  return row?.version;
}

/** The card numbers a site's door controllers must let in (every company's), and the version that names this list. */
export async function siteAccessList(orm: Orm, siteId: string): Promise<{ version: number; cardNumbers: string[] } | undefined> {
  // One statement, one snapshot: the version always names exactly the cards listed with it.
  const [row] = await orm.em.fork().execute<{ version: number; numbers: string[] }[]>(
    `select s.access_list_version as version,
            coalesce(array_agg(c.number order by c.number) filter (where c.id is not null), '{}') as numbers
       from site s
       left join card c on c.site_id = s.id and c.state = 'assigned' and c.access_granted_at is not null
      where s.id = ? group by s.id`,
    [siteId],
  );
  return row ? { version: row.version, cardNumbers: row.numbers } : undefined;
}

// Card access: what makes a registered card open doors. The default keeps it in the database
// (cards `assigned` with `access_granted_at` set), from which each door controller's list is made
// (domain/access/access-list.ts) and fetched by version/ETag. A deployment with a vendor access-control system implements the same
// two calls against it. Both run inside the activity's transaction and must be idempotent:
// activities run them again after a crash.
import { dbNow } from '../db/sql.ts';
import type { EntityManager } from '../db/orm.ts';
import { bumpMemberAccessLists } from '../domain/access/versions.ts';

export interface CardAccessProvider {
  grant(em: EntityManager, card: { siteId: string; cardId: string }): Promise<void>;
  revoke(em: EntityManager, card: { siteId: string; cardId: string }): Promise<void>;
}

export function databaseCardAccess(): CardAccessProvider {
  // Each statement changes the list at most once, and bumps the versions of the member's doors
  // (their company's zones at the site) only when it did.
  const bump = async (em: EntityManager, changed: { member_id: string | null }[]) => {
    if (changed[0]?.member_id) await bumpMemberAccessLists(em, changed[0].member_id);
  };
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
        .returning('member_id')
        .execute();
      await bump(em, changed);
    },
    async revoke(em, { siteId, cardId }) {
      const changed = await em
        .getKysely()
        .updateTable('card')
        .set({ access_granted_at: null })
        .where('id', '=', cardId)
        .where('site_id', '=', siteId)
        .where('access_granted_at', 'is not', null)
        .returning('member_id')
        .execute();
      await bump(em, changed);
    },
  };
}

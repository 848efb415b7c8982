// The links and codes a member gets (an invitation, a password reset, an address change): one
// `auth_token` row each, by purpose. A new one of a purpose replaces the member's live ones.
import { dbNow } from '../../db/sql.ts';
import type { EntityManager, Row } from '../../db/orm.ts';

type TokenPurpose = Row<'auth_token'>['purpose'];

/** Stores a new token of `purpose` for the member; their unused ones of that purpose end first. */
export async function replaceToken(
  em: EntityManager,
  input: { memberId: string; purpose: TokenPurpose; tokenId: string; expiresAt: Date; newEmail?: string },
): Promise<void> {
  const db = em.getKysely();
  await db
    .updateTable('auth_token')
    .set({ revoked_at: dbNow })
    .where('member_id', '=', input.memberId)
    .where('purpose', '=', input.purpose)
    .where('consumed_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
  await db
    .insertInto('auth_token')
    .values({ id: input.tokenId, member_id: input.memberId, purpose: input.purpose, new_email: input.newEmail ?? null, expires_at: input.expiresAt, attempts: 0, created_at: dbNow })
    .execute();
}

/**
 * A link's token with its member and their company. `lock`: the token and the member stay locked
 * until the caller's transaction ends (it is about to use the one and change the other).
 */
export function linkToken(em: EntityManager, tokenId: string, purpose: TokenPurpose, lock: boolean) {
  const query = em
    .getKysely()
    .selectFrom('auth_token as t')
    .innerJoin('member as m', 'm.id', 't.member_id')
    .innerJoin('organization as o', 'o.id', 'm.organization_id')
    .select(['t.id', 't.member_id', 'm.organization_id', 'o.name as company', 'm.email', 'm.name', 'm.status', 't.new_email', 't.expires_at', 't.consumed_at', 't.revoked_at'])
    .where('t.id', '=', tokenId)
    .where('t.purpose', '=', purpose);
  return (lock ? query.forUpdate(['t', 'm']) : query).executeTakeFirst();
}

// The one-time steps of a sign-in that leaves the page and comes back (a passkey's challenge, an
// OpenID Connect request's state, nonce and verifier): stored here, named by an id the browser
// holds, and used up by the first answer that presents it.
import { randomUUID } from 'node:crypto';
import { dbNow, jsonb } from '../../db/sql.ts';
import type { EntityManager, Row } from '../../db/orm.ts';
import { isUuid } from '../ids.ts';

type Purpose = Row<'sign_in_challenge'>['purpose'];

export async function storeChallenge(
  em: EntityManager,
  input: { purpose: Purpose; memberId?: string; companyId?: string; data: Record<string, string>; ttlMs: number },
): Promise<string> {
  const id = randomUUID();
  const db = em.getKysely();
  // Old ones go as new ones come: the table holds minutes of sign-ins, not history.
  await db.deleteFrom('sign_in_challenge').where('expires_at', '<', dbNow).execute();
  await db
    .insertInto('sign_in_challenge')
    .values({ id, purpose: input.purpose, member_id: input.memberId ?? null, organization_id: input.companyId ?? null, data: jsonb(input.data), expires_at: new Date(Date.now() + input.ttlMs) })
    .execute();
  return id;
}

/** The challenge, if it is live and of this purpose; marked used in its own commit either way. */
export async function consumeChallenge(
  em: EntityManager,
  id: string,
  purpose: Purpose,
): Promise<{ memberId: string | null; companyId: string | null; data: Record<string, string> } | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await em
    .getKysely()
    .updateTable('sign_in_challenge')
    .set({ consumed_at: dbNow })
    .where('id', '=', id)
    .where('purpose', '=', purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', dbNow)
    .returning(['member_id', 'organization_id', 'data'])
    .executeTakeFirst();
  return row && { memberId: row.member_id, companyId: row.organization_id, data: row.data };
}

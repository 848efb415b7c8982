// The operator's staff (members flagged operatorAdmin) are usually members of a company too: the
// first admin `org:create` makes runs the buildings and is an admin of the first company. That
// company's credentials (its API key, its SCIM key, its other admins) must not reach them: moving
// their address before they had a password sent their invitation, and with it the operator's
// rights, to whoever held the company's key. Only the operator changes or removes its staff.
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../errors.ts';

export const operatorStaffProtected = () =>
  new DomainError('operator_staff_protected', 'forbidden', 'this member is one of the operator\'s staff: only the operator (its key or its staff) can change or remove them');

/** Throws unless the caller acts for the operator, when any of `memberIds` is operator staff. */
export async function refuseOperatorStaff(em: EntityManager, memberIds: string | string[], byOperator: boolean): Promise<void> {
  if (byOperator) return;
  const ids = Array.isArray(memberIds) ? memberIds : [memberIds];
  if (!ids.length) return;
  const [row] = await em.execute<{ n: number }[]>(`select count(*)::int as n from member where operator_admin and id in (${ids.map(() => '?').join(', ')})`, ids);
  if (row!.n > 0) throw operatorStaffProtected();
}

// The operator's staff (members flagged operatorAdmin) are usually members of a company too: the
// first admin `org:create` makes runs the buildings and is an admin of the first company. That
// company's credentials (its API key, its SCIM key, its other admins) must not reach them: moving
// their address before they had a password sent their invitation, and with it the operator's
// rights, to whoever held the company's key. Only the operator changes or removes its staff.
import type { EntityManager } from '../../db/orm.ts';
import { DomainError } from '../errors.ts';

export const operatorStaffProtected = () =>
  new DomainError('operator_staff_protected', 'forbidden', 'this member is one of the operator\'s staff: only the operator (its key or its staff) can change or remove them');

/** Throws when the member is operator staff and the caller does not act for the operator. */
export async function refuseOperatorStaff(em: EntityManager, memberId: string, byOperator: boolean): Promise<void> {
  if (byOperator) return;
  const row = await em.getKysely().selectFrom('member').select('operator_admin').where('id', '=', memberId).executeTakeFirst();
  if (row?.operator_admin) throw operatorStaffProtected();
}

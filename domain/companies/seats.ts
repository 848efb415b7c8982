// Contracted seats: how many members a company may have, set by the operator. Every way a member
// is added (an invitation, a CSV row, SCIM, "S'inscrire", an admin approving a request) takes a
// seat here, inside the transaction that writes the member, with the company row locked, so two
// additions at once cannot both take the last seat.
import { sql } from 'kysely';
import type { EntityManager } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';

export interface SeatUsage {
  used: number;
  /** Null: no limit. */
  contracted: number | null;
}

/**
 * Members who hold a seat: anyone not removed, but day passes (guests) and sign-ups still waiting
 * for an admin, who take one when approved.
 */
export async function seatUsage(em: EntityManager, companyId: string): Promise<SeatUsage> {
  const company = await em.getKysely().selectFrom('organization').select('seats').where('id', '=', companyId).executeTakeFirst();
  return { used: await seatsUsed(em, companyId), contracted: company?.seats ?? null };
}

async function seatsUsed(em: EntityManager, companyId: string): Promise<number> {
  const row = await em
    .getKysely()
    .selectFrom('member')
    .select(sql<number>`count(*)::int`.as('used'))
    .where('organization_id', '=', companyId)
    .where('status', 'not in', ['removed', 'awaiting_approval'])
    .where('kind', '=', 'member')
    .executeTakeFirstOrThrow();
  return row.used;
}

/**
 * Refuses (409 `seats_full`, "8 of 8 seats used") when one more member would pass the contracted
 * seats. Call it inside the transaction that adds the member: the company row stays locked until
 * it ends.
 */
export async function takeSeat(em: EntityManager, companyId: string): Promise<void> {
  const db = em.getKysely();
  // No contract limit (most companies): nothing to count, and bulk imports need not queue on the company row.
  const limited = await db.selectFrom('organization').select('seats').where('id', '=', companyId).executeTakeFirst();
  if (limited?.seats == null) return;
  // The limit read again under the lock: the operator may have changed it meanwhile.
  const locked = await db.selectFrom('organization').select('seats').where('id', '=', companyId).forUpdate().executeTakeFirstOrThrow();
  if (locked.seats === null) return;
  const usage = { used: await seatsUsed(em, companyId), contracted: locked.seats };
  if (usage.used >= usage.contracted) {
    throw new DomainError('seats_full', 'conflict', `${usage.used} of ${usage.contracted} seats used: the operator adds seats to the company's contract`, { seats: usage });
  }
}

/** The operator sets the contract's seats (null: no limit); fewer than used stops new members only. Audited. */
export async function setContractedSeats(em: EntityManager, input: { operatorId: string; companyId: string; contracted: number | null; actor: string }): Promise<SeatUsage> {
  await em.transactional(async (tx) => {
    await tx.getKysely().updateTable('organization').set({ seats: input.contracted }).where('id', '=', input.companyId).where('operator_id', '=', input.operatorId).execute();
    await recordAudit(tx, { companyId: input.companyId, operatorId: input.operatorId, actor: input.actor, type: 'company.seats_changed', data: { contracted: input.contracted } });
  });
  return seatUsage(em, input.companyId);
}

// An admin's answer to someone who signed up at the company's domain (its approval policy). The
// lifecycle decides (approval takes a seat there, atomically); a refusal for want of a seat is
// answered here with the count, so every caller says "8 of 8 seats used" the same way.
import type { EntityManager } from '../../db/orm.ts';
import { DomainError } from '../errors.ts';
import { seatsText, seatUsage } from '../companies/seats.ts';
import type { LifecycleGateway } from './lifecycle-gateway.ts';

export async function decideSignUp(
  deps: { em: EntityManager; lifecycles: LifecycleGateway },
  input: { companyId: string; memberId: string; approve: boolean; actor: string },
): Promise<{ status: string }> {
  try {
    return await deps.lifecycles.decideSignUp(input.memberId, input.approve, input.actor);
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'seats_full')) throw error;
    const seats = await seatUsage(deps.em, input.companyId);
    throw new DomainError('seats_full', 'conflict', `${seatsText(seats)}: the operator adds seats to the company's contract`, { ...error.details, seats });
  }
}

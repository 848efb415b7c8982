// The visit workflow's side effects beyond its e-mails: the walk-in's answer written, and an
// unused PIN expired at the end of the day (both in domain/visits/visit-changes.ts).
import type { Orm } from '../db/orm.ts';
import { expireVisit, settleWalkIn } from '../domain/visits/visit-changes.ts';

export function createVisitActivities({ orm }: { orm: Orm }) {
  return {
    async settleWalkIn(input: { visitId: string; outcome: 'approved' | 'refused' | 'unanswered' | 'cancelled' }): Promise<void> {
      await settleWalkIn(orm.em.fork(), input.visitId, input.outcome);
    },
    async expireVisit(input: { visitId: string }) {
      return expireVisit(orm.em.fork(), input.visitId);
    },
  };
}

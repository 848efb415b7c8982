// One visit, from its invitation (or a walk-in's request) to its end: the PIN e-mailed to the
// visitor, a reminder on the morning of the visit, the host told when the PIN opens the entrance,
// and the PIN's death at the end of the day (or at once on cancellation). The database is the
// truth about the PIN (the door consumes it, the API cancels it); this workflow waits, tells
// people, and expires what nobody used.
import { ActivityFailure, ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  answerWalkInUpdate,
  visitArrivedSignal,
  visitCancelledSignal,
  visitQuery,
  type VisitInput,
  type VisitOutcome,
  type VisitView,
} from '../contract/workflows.ts';
import { emailActivityOptions } from './email-options.ts';

const { settleWalkIn, expireVisit } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { sendEmail } = proxyActivities<Activities>(emailActivityOptions);

/** What happened to the visit so far: the handlers write it, the main loop reads it. */
export class VisitState {
  answer: 'approved' | 'refused' | undefined;
  arrived = false;
  cancelled = false;
  /** A walk-in's host may answer until the wait is over. */
  waitingForHost: boolean;
  /** The invitation with the PIN went out: a cancellation is worth telling the visitor. */
  pinSent = false;
  stage: VisitView['stage'];
  outcome: VisitOutcome | null = null;

  constructor(walkIn: boolean) {
    this.stage = walkIn ? 'awaiting_host' : 'pin_sent';
    this.waitingForHost = walkIn;
  }

  get ended(): boolean {
    return this.arrived || this.cancelled;
  }

  answerWalkIn(approve: boolean): { outcome: 'approved' | 'refused' | 'too_late' } {
    if (!this.waitingForHost || this.answer !== undefined || this.cancelled) return { outcome: 'too_late' };
    this.answer = approve ? 'approved' : 'refused';
    return { outcome: this.answer };
  }

  view(): VisitView {
    return { stage: this.stage, outcome: this.outcome };
  }
}

const untilMs = (instant: number) => Math.max(0, instant - Date.now());

export async function visit(input: VisitInput): Promise<VisitOutcome> {
  const state = new VisitState(input.walkIn);
  setHandler(visitArrivedSignal, () => void (state.arrived = true));
  setHandler(visitCancelledSignal, () => void (state.cancelled = true));
  setHandler(answerWalkInUpdate, ({ approve }) => state.answerWalkIn(approve), {
    validator: ({ approve, actor }) => {
      if (typeof approve !== 'boolean' || typeof actor !== 'string' || !actor) throw ApplicationFailure.nonRetryable('approve and actor are required', 'InvalidRequest');
    },
  });
  setHandler(visitQuery, () => state.view());

  const key = (purpose: string) => `visit-${input.visitId}/${purpose}`;
  const mail = (purpose: string, to: 'visitor' | 'member', template: 'visit_invitation' | 'visit_reminder' | 'visit_cancelled' | 'visit_arrived' | 'visit_approval' | 'visit_declined') =>
    sendEmail({ key: key(purpose), companyId: input.companyId, memberId: input.hostMemberId, to, template, data: { visitId: input.visitId, minutes: Math.round(input.approvalWaitMs / 60_000) } });
  const end = (outcome: VisitOutcome) => {
    state.stage = 'ended';
    state.outcome = outcome;
    return outcome;
  };

  if (input.walkIn) {
    await mail('approval', 'member', 'visit_approval');
    await condition(() => state.answer !== undefined || state.cancelled, input.approvalWaitMs);
    // The host's answer, or its absence, is written before anyone is told.
    state.waitingForHost = false;
    const answer = state.cancelled ? 'cancelled' : state.answer ?? 'unanswered';
    await settleWalkIn({ visitId: input.visitId, outcome: answer });
    if (answer === 'cancelled') return end('cancelled');
    if (answer !== 'approved') {
      await mail('declined', 'visitor', 'visit_declined');
      return end(answer);
    }
    state.stage = 'pin_sent';
  }

  // The PIN is made by the e-mail itself (activities/visit-content.ts): never in this history.
  if (!state.cancelled) {
    try {
      await mail('pin', 'visitor', 'visit_invitation');
      state.pinSent = true;
    } catch (error) {
      // Cancelled before it went out (its signal may still be on its way): nothing to send.
      const notExpected = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === 'VisitNotExpected';
      if (!state.cancelled && !notExpected) throw error;
    }
  }
  if (input.reminderAtMs !== null && !state.ended) {
    await condition(() => state.ended, untilMs(input.reminderAtMs));
    if (!state.ended) await mail('reminder', 'visitor', 'visit_reminder');
  }
  await condition(() => state.ended, untilMs(input.validUntilMs));
  if (state.arrived) {
    await mail('arrived', 'member', 'visit_arrived');
    return end('arrived');
  }
  if (state.cancelled) {
    if (state.pinSent) await mail('cancelled', 'visitor', 'visit_cancelled');
    return end('cancelled');
  }
  // Nobody came: the PIN dies (a door's upload may still say they came: then it is 'arrived').
  const { status } = await expireVisit({ visitId: input.visitId });
  if (status === 'arrived') {
    await mail('arrived', 'member', 'visit_arrived');
    return end('arrived');
  }
  // Cancelled while its signal was lost (the host's removal retried): the visitor is still told.
  if (status === 'cancelled') {
    if (state.pinSent) await mail('cancelled', 'visitor', 'visit_cancelled');
    return end('cancelled');
  }
  return end('expired');
}

// The visit workflow's contract: its id, its input and its messages. Re-exported by
// contract/workflows.ts, the one module callers and workflows import.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { VisitStatus } from '../db/entities/visit.entity.ts';

export type { VisitStatus };

export const visitWorkflowId = (visitId: string) => `visit-${visitId}`;

/** Instants are milliseconds since the epoch, decided when the visit was made. */
export interface VisitInput {
  visitId: string;
  companyId: string;
  /** The host: the member whose e-mails (arrival, approval) these are. */
  hostMemberId: string;
  /** A walk-in at the reception kiosk: the host approves first, within `approvalWaitMs`. */
  walkIn: boolean;
  approvalWaitMs: number;
  /** The end of the visit's day at the site: the PIN dies then. */
  validUntilMs: number;
  /** The morning of the visit, when the invitation went out before the day before; else null. */
  reminderAtMs: number | null;
}

export type VisitOutcome = Extract<VisitStatus, 'arrived' | 'expired' | 'cancelled' | 'refused' | 'unanswered'>;

export interface VisitView {
  stage: 'awaiting_host' | 'pin_sent' | 'ended';
  outcome: VisitOutcome | null;
}

/** The PIN opened the entrance (online, or in an offline door's upload): the DB says so already. */
export const visitArrivedSignal = defineSignal('visitArrived');
/** Cancelled by the host, an admin or the host's removal: the DB says so already; the visitor is told. */
export const visitCancelledSignal = defineSignal('visitCancelled');
/** The host's answer to a walk-in: `too_late` once the wait is over (or the visit cancelled). */
export const answerWalkInUpdate = defineUpdate<{ outcome: 'approved' | 'refused' | 'too_late' }, [{ approve: boolean; actor: string }]>('answerWalkIn');
export const visitQuery = defineQuery<VisitView>('visit');

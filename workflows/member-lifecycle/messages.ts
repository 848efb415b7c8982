// The lifecycle's messages. Signals for events that need no answer; updates (with validators in
// the workflow) when the caller must learn the outcome in the same request, e.g. a door that beeps
// "enrolled" or "rejected"; one query for the current state. Safe to import from the API.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EnrollmentResult, LifecycleView, MemberRole, MemberSchedule } from './types.ts';

export const stateQuery = defineQuery<LifecycleView>('state');

/** The member created their password (the API consumed the invitation token first). */
export const passwordSetSignal = defineSignal<[{ actor: string }]>('passwordSet');
/** The member closed the card wizard at step 1 or 2: one instructions e-mail per close. */
export const wizardClosedSignal = defineSignal<[{ step: 1 | 2; closeId?: string }]>('wizardClosed');

/** Wizard step 1, "I hold a card": reveals the member's door PIN. */
export const confirmCardUpdate = defineUpdate<{ pin: string }, [{ actor: string }]>('confirmCard');
/** Wizard step 2: the member's phone read the card's QR code. */
export const scanQrUpdate = defineUpdate<EnrollmentResult, [{ payload: string; actor: string }]>('scanQr');
/** Step 3: PIN typed and card presented at a door controller of the member's site. */
export const enrollAtDoorUpdate = defineUpdate<EnrollmentResult, [{ pin: string; cardNumber: string; doorControllerId: string }]>('enrollAtDoor');
/** An admin registers a card on the member's behalf (any time, even before the password exists). */
export const registerCardUpdate = defineUpdate<EnrollmentResult, [{ cardNumber: string; actor: string }]>('registerCard');
/** An admin swaps the member's registered card for another one of the site's stock. */
export const replaceCardUpdate = defineUpdate<EnrollmentResult, [{ cardNumber: string; actor: string }]>('replaceCard');
/** The member moves to another site of the organisation (before a card is registered: cards belong to a site). */
export const changeSiteUpdate = defineUpdate<{ siteId: string }, [{ siteId: string; actor: string }]>('changeSite');
export const changeRoleUpdate = defineUpdate<{ role: MemberRole }, [{ role: MemberRole; actor: string }]>('changeRole');
/** New link, old one dead, account track clock restarted. */
export const resendInvitationUpdate = defineUpdate<{ invitationExpiresAt: string }, [{ actor: string }]>('resendInvitation');
/** Accepted once the member is marked removed; the offboarding then runs and ends the workflow. */
export const removeUpdate = defineUpdate<{ status: 'removed' }, [{ actor: string; reason?: string; /** Set by the company's offboarding only: the last admin goes too, and the admins get one report for all. */ companyOffboarding?: boolean }]>('remove');

/**
 * New start or end dates (instants computed by the caller from the site's time zone; the dates
 * themselves are stored by the activity). The lifecycle re-plans its timers; an end in the past
 * removes the member now.
 */
export const changeScheduleUpdate = defineUpdate<
  { startsAt: string | null; endsAt: string | null },
  [{ schedule: MemberSchedule; dates: { startsOn: string | null; endsOn: string | null; endsAt: string | null }; actor: string }]
>('changeSchedule');

/** INVITATION_LEAD when a lifecycle's durations do not say. */
export const DEFAULT_INVITATION_LEAD_MS = 7 * 86_400_000;

/** Failure types an update may be rejected with; the API maps each to a problem. */
export const LIFECYCLE_REJECTIONS = {
  MemberRemoved: 'the member has been removed',
  LastAdmin: 'the last administrator of a company cannot be removed or demoted',
  PasswordAlreadySet: 'the member already created their password',
  CardAlreadyRegistered: 'the member already has a registered card',
  NoCardRegistered: 'the member has no registered card to replace',
  PinNotRevealed: 'the member has not revealed a PIN yet',
  WrongPin: 'this PIN does not belong to a pending enrollment of this member',
  AlreadyStarted: 'the member has started: their start date cannot move later (change the end date only)',
  InvalidRequest: 'the request is malformed',
} as const;
export type LifecycleRejection = keyof typeof LIFECYCLE_REJECTIONS;

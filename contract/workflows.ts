// The workflows' contract: everything a caller and a workflow must agree on — workflow ids,
// search attributes, input and answer types, and the messages (signals, updates, queries). The
// API, the pages, the worker and the workflows import it; it imports nothing from domain/, so a
// caller never pulls workflow code in and no import runs in a circle. Code here is bundled into
// the workflows too: only @temporalio/workflow's definers and plain values.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MemberRole, MemberStatus } from '../db/entities/member.entity.ts';

export type { MemberRole, MemberStatus };

// ---- search attributes ----------------------------------------------------------------------

// Kept current by the member lifecycle so the stock CLI can ask
// `temporal workflow list --query "MemberStatus='card_overdue'"`.
export const MemberStatusKey = defineSearchAttributeKey('MemberStatus', SearchAttributeType.KEYWORD);
// Named before "company" was the code's word; registered on every server, so it keeps its name.
export const CompanyIdKey = defineSearchAttributeKey('OrganizationId', SearchAttributeType.KEYWORD);
export const searchAttributeKeys = [MemberStatusKey, CompanyIdKey];

// ---- "company", formerly "organization" -----------------------------------------------------

/**
 * What workflows and activities started before the code said "company" carry: `organizationId`.
 * Read both, write the new: every payload of this contract is written with `companyId`, and a
 * payload from a run already in flight is read through `withCompanyId` where it enters.
 */
export interface FormerlyOrganization {
  /** @deprecated Payloads written before "company": read through `withCompanyId`. */
  organizationId?: string;
}

export function withCompanyId<T extends { companyId: string } & FormerlyOrganization>(payload: T): T {
  if (payload.companyId !== undefined || payload.organizationId === undefined) return payload;
  const { organizationId, ...rest } = payload;
  return { ...rest, companyId: organizationId } as T;
}

// ---- workflow ids ---------------------------------------------------------------------------

export const memberWorkflowId = (memberId: string) => `member-${memberId}`;
export const companyOffboardingWorkflowId = (companyId: string, offboardingId: string) => `company-offboarding-${companyId}-${offboardingId}`;
export const memberImportWorkflowId = (importId: string) => `member-import-${importId}`;
export const emailChangeWorkflowId = (tokenId: string) => `email-change-${tokenId}`;
export const passwordResetWorkflowId = (requestId: string) => `password-reset-request-${requestId}`;
/** One stream per endpoint and member (or company): its deliveries go one at a time, in order. */
export const webhookStreamWorkflowId = (endpointId: string, streamKey: string) => `webhook-stream-${endpointId}-${streamKey}`;
/** One relay per task queue: stacks and test runs sharing a Temporal server keep to their own database. */
export const webhookRelayWorkflowId = (taskQueue: string) => `webhook-relay-${taskQueue}`;
export const webhookTestWorkflowId = (deliveryId: string) => `webhook-test-${deliveryId}`;
/** The daily purge of data past its retention: one schedule per task queue (like the relay). */
export const retentionScheduleId = (taskQueue: string) => `retention-purge-${taskQueue}`;
export interface RetentionInput {
  /** ENTRY_EVENT_RETENTION_DAYS: movement records kept this long (the CNIL: three months at most). */
  entryEventRetentionDays: number;
  /** VISITOR_RETENTION_DAYS: visitors' names, addresses and times, after the visit's date (absent in schedules made before visitors: 90). */
  visitorRetentionDays?: number;
  /** MESSAGE_RETENTION_DAYS: e-mails and webhook payloads (absent in schedules made before privacy: 30). */
  messageRetentionDays?: number;
  /** PSEUDONYMISE_AFTER_MONTHS: a removed member's personal data (absent before privacy: 12). */
  pseudonymiseAfterMonths?: number;
}

/** Webhook delivery's own task queue beside the lifecycle's. */
export const webhookTaskQueue = (taskQueue: string) => `${taskQueue}-webhooks`;

// ---- the member lifecycle: types ------------------------------------------------------------

/** Milliseconds. Resolved when a lifecycle starts: deployment defaults + company overrides. */
export interface LifecycleDurations {
  invitationRemindersMs: number[];
  invitationExpiresAfterMs: number;
  cardRemindersMs: number[];
  cardOverdueAfterMs: number;
  /** With a start date: the invitation goes out this long before it (INVITATION_LEAD, 7 days when absent). */
  invitationLeadMs?: number;
}

/** Instants (ms) from the member's dates: access opens at `startsAt`; the member is removed at `endsAt`. */
export interface MemberSchedule {
  startsAt: number | null;
  endsAt: number | null;
}

export interface MemberLifecycleInput extends FormerlyOrganization {
  memberId: string;
  companyId: string;
  /** Who invited: `api-key:<id>`, `member:<id>`, `cli:…`, `system`. */
  invitedBy: string;
  durations: LifecycleDurations;
  /** Continue as new after this many history events even before the server suggests it (tests, drills). */
  continueAsNewAfterEvents?: number;
  /** Start and end dates, when HR gave them. */
  schedule?: MemberSchedule;
  /** False: invited without a registration code (Workways' checkbox), no card track. Absent: true. */
  cardNeeded?: boolean;
  /** The person joined themself ("S'inscrire" or single sign-on): no invitation; their account exists. */
  joined?: JoinedBy;
  /** Set only by continue-as-new. */
  carried?: LifecycleState;
}

export interface JoinedBy {
  via: 'sign_up' | 'sso';
  /** The company approves newcomers: the member waits (SIGN_UP_APPROVAL_MS) for an admin's decision. */
  approval: boolean;
}

/** A sign-up nobody approves within this time expires. */
export const SIGN_UP_APPROVAL_MS = 14 * 86_400_000;

export type AccountStage = 'invited' | 'expired' | 'password_set';
export type CardStage = 'not_started' | 'pin_revealed' | 'enrolled';
export type EnrollmentMethod = 'qr' | 'door' | 'admin';

/** The whole workflow state: what continue-as-new carries and what the query shows (minus internals). */
export interface LifecycleState extends FormerlyOrganization {
  memberId: string;
  companyId: string;
  siteId: string | null;
  role: MemberRole;
  status: MemberStatus;
  /** The first run id of this lifecycle: keys its side effects across continue-as-new. */
  lifecycleId: string;
  invitedAt: number;
  /**
   * False: the member needs no card (no reminders, no overdue; active once the password exists).
   * Absent in every run from before no-card members, which all had the card track.
   */
  cardTrack?: false;
  account: {
    stage: AccountStage;
    tokenId: string;
    sentAt: number;
    expiresAt: number;
    remindersSent: number;
    resends: number;
    passwordSetAt?: number;
  };
  card: {
    stage: CardStage;
    pin?: string;
    /** Card reminders whose time has come (sent, or skipped while no password exists yet). */
    remindersDue: number;
    overdueAt: number;
    overdue: boolean;
    cardId?: string;
    cardNumber?: string;
    method?: EnrollmentMethod;
    enrolledAt?: number;
    /**
     * A lost or damaged card restarted the track then: its reminders count from here, and the
     * next card gets its access in its own step, as the first did (the reason is in the audit).
     */
    restartedAt?: number;
  };
  /** `announce`: access came with the enrollment and its e-mail is still to be sent. */
  access: { card: boolean; wifi: boolean; grantedAt?: number; announce?: boolean };
  /** Wizard closes waiting for their instructions e-mail, then the last ones answered (by close id). */
  pendingCloses: { step: 1 | 2; closeId: string }[];
  closesAnswered: string[];
  /** Per-purpose counters for idempotency keys. */
  sequence: Record<string, number>;
  /** `invitationPending`: the invitation waits for `startsAt` − lead (the member is `scheduled`). */
  schedule?: MemberSchedule & { invitationPending: boolean };
  removal?: {
    actor: string; reason?: string; requestedAt: number; statusBefore: MemberStatus; email: string; name: string; companyOffboarding?: boolean;
    /** The sign-up was refused by an admin, or expired unanswered: the person is told so, not "removed". */
    signUp?: 'refused' | 'expired';
  };
  /** Joined by themself; `awaitingApproval` until an admin decides (then absent). */
  joined?: { via: JoinedBy['via']; awaitingApproval?: { requestedAt: number; expiresAt: number } };
}

/** What `GET /v1/members/{id}` and the wizard show: the query's answer. */
export interface LifecycleView {
  memberId: string;
  companyId: string;
  status: MemberStatus;
  role: MemberRole;
  account: {
    stage: AccountStage;
    invitationExpiresAt: string | null;
    nextReminderAt: string | null;
    remindersSent: number;
    resends: number;
  };
  card: {
    stage: CardStage;
    /** Only while the enrollment is pending and the member has revealed it. */
    pin: string | null;
    nextReminderAt: string | null;
    overdueAt: string | null;
    overdue: boolean;
    cardNumber: string | null;
    method: EnrollmentMethod | null;
  };
  access: { card: boolean; wifi: boolean };
  /** False: invited without a registration code; the wizard has nothing to ask. */
  cardNeeded: boolean;
  /** `invitationAt`: when the invitation goes out (null once sent, or without a start date). */
  schedule: { startsAt: string | null; endsAt: string | null; invitationAt: string | null } | null;
  removal: { actor: string; requestedAt: string } | null;
  /** A sign-up waiting for an admin: when it expires unanswered. */
  approval?: { expiresAt: string } | null;
}

export type EnrollmentRejection =
  | 'unknown_card'
  | 'card_of_another_site'
  | 'card_already_assigned'
  | 'card_revoked'
  | 'invalid_qr_code';

export type EnrollmentResult =
  /**
   * `access: 'granted'` when the same step put the card on the access list and made the member
   * active; `pending_start` when it opens on the member's first day.
   */
  | { decision: 'enrolled'; cardId: string; cardNumber: string; access?: 'granted' | 'pending_start' }
  | { decision: 'rejected'; reason: EnrollmentRejection };

export interface OffboardingReport {
  memberId: string;
  companyId: string;
  /** @deprecated The same as companyId: the report is part of the audit trail the API shows, which had it by this name. Written for one more version. */
  organizationId: string;
  email: string;
  name: string;
  removedBy: string;
  reason: string | null;
  statusBefore: MemberStatus;
  requestedAt: string;
  completedAt: string;
  card: { number: string; revoked: boolean } | null;
  /** `disconnect`: the Disconnect-Messages sent to the site's access points (runs before RADIUS have none). */
  wifi: { revoked: boolean; disconnect?: DisconnectOutcome[] };
  credentialsRevoked: number;
  emails: { member: number; admins: number };
}

/** A member's whole life: `memberLifecycle` in the worker's bundle. */
export type MemberLifecycleWorkflow = (input: MemberLifecycleInput) => Promise<OffboardingReport>;

// ---- the member lifecycle: messages ---------------------------------------------------------
// Signals for events that need no answer; updates (with validators in the workflow) when the
// caller must learn the outcome in the same request, e.g. a door that beeps "enrolled" or
// "rejected"; one query for the current state.

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
/** The member moves to another site of the company (before a card is registered: cards belong to a site). */
export const changeSiteUpdate = defineUpdate<{ siteId: string }, [{ siteId: string; actor: string }]>('changeSite');
export const changeRoleUpdate = defineUpdate<{ role: MemberRole }, [{ role: MemberRole; actor: string }]>('changeRole');
/** New link, old one dead, account track clock restarted. */
export const resendInvitationUpdate = defineUpdate<{ invitationExpiresAt: string }, [{ actor: string }]>('resendInvitation');
/** An admin approves or refuses a sign-up; approval takes a seat (refused with SeatsFull when none is left). */
export const decideSignUpUpdate = defineUpdate<{ status: MemberStatus }, [{ approve: boolean; actor: string }]>('decideSignUp');
/**
 * "My card is lost or damaged" (the member, or an admin for them): the card is revoked at once and
 * the card track starts again (PIN at the door, or QR).
 */
export const cardLostUpdate = defineUpdate<{ status: MemberStatus }, [{ reason: 'lost' | 'damaged'; actor: string }]>('cardLost');
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
  NotAwaitingApproval: 'the member is not waiting for approval',
  SeatsFull: 'every contracted seat is taken',
} as const;
export type LifecycleRejection = keyof typeof LIFECYCLE_REJECTIONS;

// ---- a company's offboarding ----------------------------------------------------------------

export interface CompanyOffboardingInput {
  companyId: string;
  offboardingId: string;
  /** ISO 8601; in the past means now. */
  effectiveAt: string;
  batchSize?: number;
}

export interface CompanyOffboardingProgress {
  state: 'scheduled' | 'running' | 'completed' | 'cancelled';
  total: number | null;
  removed: number;
}

export type CompanyOffboardingWorkflow = (input: CompanyOffboardingInput) => Promise<CompanyOffboardingProgress>;
export const cancelOffboardingUpdate = defineUpdate<{ cancelled: boolean }, [{ actor: string }]>('cancelOffboarding');
export const offboardingProgressQuery = defineQuery<CompanyOffboardingProgress>('progress');

// ---- account e-mails and bulk invitations ---------------------------------------------------

export interface EmailChangeInput extends FormerlyOrganization {
  tokenId: string;
  memberId: string;
  companyId: string;
}
export type EmailChangeWorkflow = (input: EmailChangeInput) => Promise<{ sent: number }>;
export type MemberImportWorkflow = (input: { importId: string; batchSize?: number }) => Promise<{ created: number; skipped: number; failed: number }>;
export type PasswordResetWorkflow = (input: { email: string }) => Promise<{ codesSent: number }>;
export const signUpWorkflowId = (requestId: string) => `sign-up-request-${requestId}`;
/** "S'inscrire" for an address: the usual e-mail for one on record, a link for a company domain, else nothing. */
export type SignUpWorkflow = (input: { email: string; locale: 'fr' | 'en' }) => Promise<{ sent: string }>;

// ---- webhook delivery -----------------------------------------------------------------------

export const relayWakeSignal = defineSignal('wake');
/** Wakes a stream; with ids, those deliveries are attempted now rather than at their next time. */
export const streamWakeSignal = defineSignal<[{ retryNow?: string[] }]>('wake');

/** An endpoint an attempt disabled, for the e-mail to its admins. */
export interface DisabledEndpoint extends FormerlyOrganization {
  companyId: string;
  memberId: string;
  endpointId: string;
  reason: string;
  at: string;
}

export type AttemptOutcome =
  | { outcome: 'delivered'; status: number }
  /** Sleep `retryInMs`, then attempt again. */
  | { outcome: 'retry'; retryInMs: number; status: number | null }
  /** Another attempt of it is under way (the relay's): look again shortly. */
  | { outcome: 'busy'; status: null }
  /** Given up, or nothing to do (already delivered, deleted, endpoint disabled). */
  | { outcome: 'failed' | 'skipped'; status: number | null; disabled?: DisabledEndpoint };

/** A stream's step: its oldest pending delivery attempted, or nothing left to do. */
export type StreamStep = (AttemptOutcome & { deliveryId: string }) | { outcome: 'idle' };

export type WebhookRelayWorkflow = () => Promise<void>;
export type WebhookStreamWorkflow = (input: { endpointId: string; streamKey: string }) => Promise<{ delivered: number; failed: number }>;
export type WebhookTestDeliveryWorkflow = (input: { deliveryId: string }) => Promise<AttemptOutcome>;

// ---- what the offboarding report says of Wi-Fi ----------------------------------------------

export type DisconnectAnswer = 'ack' | 'nak' | 'no_answer';

export interface DisconnectOutcome {
  client: string;
  address: string;
  port: number;
  /** Sessions named in the requests (0: one request by User-Name). */
  sessions: number;
  answer: DisconnectAnswer;
  /** The access point's Error-Cause with a NAK (e.g. "Session-Context-Not-Found"). */
  errorCause?: string;
}

// ---- visits ---------------------------------------------------------------------------------

export * from './visits.ts';

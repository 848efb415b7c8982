// Types shared by the lifecycle workflow, its activities and its callers. Type-only: importing
// this file pulls no code into the workflow bundle or the API.
import type { DisconnectOutcome } from '../../providers/radius-disconnect.ts';
import type { MemberRole, MemberStatus } from '../../db/entities/member.entity.ts';

export type { MemberRole, MemberStatus };

/** Milliseconds. Resolved when a lifecycle starts: deployment defaults + organisation overrides. */
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

export interface MemberLifecycleInput {
  memberId: string;
  organizationId: string;
  /** Who invited: `api-key:<id>`, `member:<id>`, `cli:…`, `system`. */
  invitedBy: string;
  durations: LifecycleDurations;
  /** Continue as new after this many history events even before the server suggests it (tests, drills). */
  continueAsNewAfterEvents?: number;
  /** Start and end dates, when HR gave them. */
  schedule?: MemberSchedule;
  /** Set only by continue-as-new. */
  carried?: LifecycleState;
}

export type AccountStage = 'invited' | 'expired' | 'password_set';
export type CardStage = 'not_started' | 'pin_revealed' | 'enrolled';
export type EnrollmentMethod = 'qr' | 'door' | 'admin';

/** The whole workflow state: what continue-as-new carries and what the query shows (minus internals). */
export interface LifecycleState {
  memberId: string;
  organizationId: string;
  siteId: string | null;
  role: MemberRole;
  status: MemberStatus;
  /** The first run id of this lifecycle: keys its side effects across continue-as-new. */
  lifecycleId: string;
  invitedAt: number;
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
  removal?: { actor: string; reason?: string; requestedAt: number; statusBefore: MemberStatus; email: string; name: string; companyOffboarding?: boolean };
}

/** What `GET /v1/members/{id}` and the wizard show: the query's answer. */
export interface LifecycleView {
  memberId: string;
  organizationId: string;
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
  /** `invitationAt`: when the invitation goes out (null once sent, or without a start date). */
  schedule: { startsAt: string | null; endsAt: string | null; invitationAt: string | null } | null;
  removal: { actor: string; requestedAt: string } | null;
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

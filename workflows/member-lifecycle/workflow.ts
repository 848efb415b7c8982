// One member's whole life on the platform, as one durable workflow `member-<memberId>`: the
// account track (invitation, reminders, expiry, resend) and the card track (PIN, QR, door, admin,
// reminders, overdue) side by side; activation when both are done; offboarding from any state.
//
// Deadlines are absolute times in the state, so a continued-as-new run (or a resumed worker)
// picks up exactly where the previous one stood. Every step that touches the outside world runs
// under one lock, so a removal never interleaves with an enrollment or an activation.
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  sleep,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import type { Activities } from '../../activities/index.ts';
import type { EmailTemplate } from '../../mail/catalog.ts';
import { emailActivityOptions } from '../email-options.ts';
import { MemberStatusKey } from '../../contract/workflows.ts';
import {
  changeRoleUpdate,
  changeScheduleUpdate,
  changeSiteUpdate,
  confirmCardUpdate,
  DEFAULT_INVITATION_LEAD_MS,
  enrollAtDoorUpdate,
  LIFECYCLE_REJECTIONS,
  passwordSetSignal,
  registerCardUpdate,
  removeUpdate,
  replaceCardUpdate,
  resendInvitationUpdate,
  scanQrUpdate,
  stateQuery,
  wizardClosedSignal,
  type LifecycleRejection,
} from '../../contract/workflows.ts';
import type { EnrollmentMethod, EnrollmentResult, LifecycleState, LifecycleView, MemberLifecycleInput, MemberSchedule, MemberStatus, OffboardingReport } from '../../contract/workflows.ts';

// Side effects retry for as long as it takes (a database or SMTP outage must not end a member's
// lifecycle); activities mark what can never succeed as non-retryable.
const activityOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
const act = proxyActivities<Activities>(activityOptions);

const MAX_CLOSES_REMEMBERED = 20;
/** A removal waits this long for the step holding the lock, then interrupts it (one stuck retrying must not block it). */
const REMOVAL_PREEMPTS_AFTER_MS = 5_000;
/** The removal takes the lock before every step already waiting for it. */
const REMOVAL_PRIORITY = 1;

const invitationAt = (schedule: MemberSchedule, input: MemberLifecycleInput) =>
  schedule.startsAt === null ? null : schedule.startsAt - (input.durations.invitationLeadMs ?? DEFAULT_INVITATION_LEAD_MS);

function reject(type: LifecycleRejection, detail?: string): never {
  throw ApplicationFailure.create({ type, message: detail ?? LIFECYCLE_REJECTIONS[type], nonRetryable: true });
}

export function initialState(input: MemberLifecycleInput, lifecycleId: string, now: number): LifecycleState {
  const inviteAt = input.schedule ? invitationAt(input.schedule, input) : null;
  const pending = inviteAt !== null && inviteAt > now;
  return {
    ...(input.schedule ? { schedule: { ...input.schedule, invitationPending: pending } } : {}),
    memberId: input.memberId,
    organizationId: input.organizationId,
    siteId: null,
    role: 'user',
    status: pending ? 'scheduled' : 'invited',
    lifecycleId,
    invitedAt: now,
    account: {
      stage: 'invited',
      tokenId: uuid4(),
      sentAt: now,
      expiresAt: now + input.durations.invitationExpiresAfterMs,
      remindersSent: 0,
      resends: 0,
    },
    card: { stage: 'not_started', remindersDue: 0, overdueAt: now + input.durations.cardOverdueAfterMs, overdue: false },
    access: { card: false, wifi: false },
    pendingCloses: [],
    closesAnswered: [],
    sequence: {},
  };
}

export function deriveStatus(s: LifecycleState): MemberStatus {
  if (s.removal) return 'removed';
  if (s.schedule?.invitationPending) return 'scheduled';
  if (s.account.stage !== 'password_set') return s.account.stage === 'expired' ? 'invitation_expired' : 'invited';
  // All done before the first day: access opens at 00:00 on the start date.
  if (s.card.stage === 'enrolled' && !s.access.grantedAt && s.schedule?.startsAt != null) return 'scheduled';
  if (s.card.stage !== 'enrolled' || !s.access.grantedAt) return s.card.overdue && s.card.stage !== 'enrolled' ? 'card_overdue' : 'awaiting_card';
  return 'active';
}

/** The invitation reminders that fall before the link expires (a reminder for a dead link helps nobody). */
function invitationReminderTimes(s: LifecycleState, input: MemberLifecycleInput): number[] {
  return input.durations.invitationRemindersMs.map((ms) => s.account.sentAt + ms).filter((at) => at < s.account.expiresAt);
}
const cardReminderTimes = (s: LifecycleState, input: MemberLifecycleInput) => input.durations.cardRemindersMs.map((ms) => s.invitedAt + ms);

/** The next moment a timer must wake the workflow, and what for (the timer's summary in the UI). */
export function nextDeadline(s: LifecycleState, input: MemberLifecycleInput): { at: number; summary: string } | undefined {
  const candidates: { at: number; summary: string }[] = [];
  if (s.schedule?.endsAt != null) candidates.push({ at: s.schedule.endsAt, summary: 'end date: offboarding' });
  if (s.schedule?.invitationPending) {
    const at = invitationAt(s.schedule, input);
    if (at !== null) candidates.push({ at, summary: 'invitation goes out (start date − lead)' });
    return candidates.sort((a, b) => a.at - b.at)[0];
  }
  if (s.schedule?.startsAt != null && !s.access.grantedAt && s.account.stage === 'password_set' && s.card.stage === 'enrolled') {
    candidates.push({ at: s.schedule.startsAt, summary: 'start date: card and Wi-Fi access open' });
  }
  if (s.account.stage === 'invited') {
    const reminders = invitationReminderTimes(s, input);
    const next = reminders[s.account.remindersSent];
    if (next !== undefined) candidates.push({ at: next, summary: `invitation reminder ${s.account.remindersSent + 1} of ${reminders.length}` });
    candidates.push({ at: s.account.expiresAt, summary: 'invitation link expires' });
  }
  if (s.card.stage !== 'enrolled') {
    const reminders = cardReminderTimes(s, input);
    const next = reminders[s.card.remindersDue];
    if (next !== undefined) candidates.push({ at: next, summary: `card reminder ${s.card.remindersDue + 1} of ${reminders.length}` });
    if (!s.card.overdue) candidates.push({ at: s.card.overdueAt, summary: 'card registration overdue' });
  }
  return candidates.sort((a, b) => a.at - b.at)[0];
}

export function view(s: LifecycleState, input: MemberLifecycleInput): LifecycleView {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  // Before a known-ahead invitation goes out, its clocks have not started: no deadline to show.
  const waiting = s.schedule?.invitationPending === true;
  const invitationReminder = s.account.stage === 'invited' && !waiting ? invitationReminderTimes(s, input)[s.account.remindersSent] : undefined;
  const cardReminder = s.card.stage !== 'enrolled' && !waiting ? cardReminderTimes(s, input)[s.card.remindersDue] : undefined;
  return {
    memberId: s.memberId,
    organizationId: s.organizationId,
    status: s.status,
    role: s.role,
    account: {
      stage: s.account.stage,
      invitationExpiresAt: s.account.stage === 'password_set' || waiting ? null : iso(s.account.expiresAt),
      nextReminderAt: iso(invitationReminder),
      remindersSent: s.account.remindersSent,
      resends: s.account.resends,
    },
    card: {
      stage: s.card.stage,
      pin: s.card.stage === 'pin_revealed' ? (s.card.pin ?? null) : null,
      nextReminderAt: iso(cardReminder),
      overdueAt: s.card.stage === 'enrolled' || waiting ? null : iso(s.card.overdueAt),
      overdue: s.card.overdue,
      cardNumber: s.card.cardNumber ?? null,
      method: s.card.method ?? null,
    },
    access: { card: s.access.card, wifi: s.access.wifi },
    schedule: s.schedule
      ? { startsAt: iso(s.schedule.startsAt ?? undefined), endsAt: iso(s.schedule.endsAt ?? undefined), invitationAt: s.schedule.invitationPending ? iso(invitationAt(s.schedule, input) ?? undefined) : null }
      : null,
    removal: s.removal ? { actor: s.removal.actor, requestedAt: new Date(s.removal.requestedAt).toISOString() } : null,
  };
}

export async function memberLifecycle(input: MemberLifecycleInput): Promise<OffboardingReport> {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const state: LifecycleState = input.carried ?? initialState(input, firstExecutionRunId, Date.now());
  const { memberId, organizationId } = state;
  let wake = false;
  let busy = false;
  // `await condition(() => !busy)` let every waiter in at once (the SDK resolves all true
  // conditions in one pass); runs started before this patch keep that lock, so they replay.
  const withMutex = patched('lifecycle-mutex');
  // Start and end dates (runs started before never have them, nor take the update that sets them).
  const scheduling = patched('member-schedule');
  /** Whether the member's first day has come (always, without a start date). */
  const started = () => !state.schedule || state.schedule.startsAt === null || Date.now() >= state.schedule.startsAt;
  const mutex = new Mutex();
  let held: { scope: CancellationScope; removal: boolean; preempted: boolean } | undefined;

  /** One step at a time touches the outside world, in arrival order (a removal goes first). */
  async function exclusive<T>(step: () => Promise<T>, options: { removal?: boolean } = {}): Promise<T> {
    if (!withMutex) {
      await condition(() => !busy);
      busy = true;
      try {
        return await step();
      } finally {
        busy = false;
      }
    }
    return mutex.runExclusive(async () => {
      const mine = { scope: new CancellationScope(), removal: options.removal ?? false, preempted: false };
      held = mine;
      try {
        return await mine.scope.run(step);
      } catch (error) {
        if (mine.preempted && isCancellation(error)) reject('MemberRemoved', 'the member is being removed: this step was interrupted');
        throw error;
      } finally {
        if (held === mine) held = undefined;
      }
    }, options.removal ? REMOVAL_PRIORITY : 0);
  }

  /**
   * The removal's turn: ahead of the waiting steps, and a step that still holds the lock after
   * REMOVAL_PREEMPTS_AFTER_MS (e.g. an activity retrying what can never succeed) is cancelled.
   * Activities refuse to act for a removed member, so a cancelled one finishing late changes nothing.
   */
  async function removalTurn<T>(step: () => Promise<T>): Promise<T> {
    if (!withMutex || !mutex.isLocked()) return exclusive(step, { removal: true });
    const turn = exclusive(step, { removal: true });
    const patience = new CancellationScope();
    patience
      .run(() => sleep(REMOVAL_PREEMPTS_AFTER_MS, { summary: 'removal waits for the step in progress' }))
      .then(
        () => {
          if (held && !held.removal) {
            held.preempted = true;
            held.scope.cancel();
          }
        },
        () => {},
      );
    try {
      return await turn;
    } finally {
      patience.cancel();
    }
  }

  /** A step interrupted by a removal: the loop goes on and finds the removal. */
  const preempted = (error: unknown) => error instanceof ApplicationFailure && error.type === 'MemberRemoved';

  /** `member-…/<lifecycle>/<purpose>/<n>`: the idempotency key of one side effect. */
  function key(purpose: string): string {
    const n = (state.sequence[purpose] ?? 0) + 1;
    state.sequence[purpose] = n;
    return `${workflowId}/${state.lifecycleId}/${purpose}/${n}`;
  }

  function email(summary: string, purpose: string, to: 'member' | 'admins', template: EmailTemplate, data: Record<string, unknown> = {}) {
    return act.sendEmail.executeWithOptions({ ...emailActivityOptions, summary }, [
      { key: key(purpose), organizationId, memberId, to, template, data },
    ]);
  }

  async function syncStatus(): Promise<void> {
    const next = deriveStatus(state);
    if (next === state.status) return;
    await act.recordStatus({ memberId, organizationId, from: state.status, to: next, key: key('status') });
    state.status = next;
    upsertSearchAttributes([{ key: MemberStatusKey, value: next }]);
  }

  async function revealPin(actor: string): Promise<string> {
    if (state.card.pin) return state.card.pin;
    const { pin } = await act.reserveEnrollmentPin({ memberId, organizationId, siteId: state.siteId!, actor, key: key('pin') });
    state.card.pin = pin;
    state.card.stage = 'pin_revealed';
    return pin;
  }

  /** QR, door or admin: the same enrollment once it holds the lock and the track is still open. */
  function enroll(method: EnrollmentMethod, card: { cardNumber?: string; qrPayload?: string }, actor: string, check?: () => void): Promise<EnrollmentResult> {
    return exclusive(async () => {
      stillRegistering();
      check?.();
      // A member with a password gets access in the enrollment's own transaction, so what the
      // door hears ("enrolled") is already true at the door. Older runs grant it in later steps.
      const grantAccess = state.account.stage === 'password_set' && !state.access.grantedAt && started() && patched('access-with-enrollment');
      const result = await act.enrollCard({ memberId, organizationId, siteId: state.siteId!, method, ...card, actor, key: key('enrollment'), ...(grantAccess ? { grantAccess } : {}) });
      if (result.decision === 'enrolled') {
        Object.assign(state.card, { stage: 'enrolled', pin: undefined, cardId: result.cardId, cardNumber: result.cardNumber, method, enrolledAt: Date.now() });
        if (result.access === 'granted') {
          state.access = { card: true, wifi: true, grantedAt: Date.now(), announce: true };
          state.status = 'active';
          upsertSearchAttributes([{ key: MemberStatusKey, value: 'active' }]);
        }
        wake = true;
        // Enrolled before the first day: the card opens the doors from 00:00 on the start date.
        if (result.access !== 'granted' && state.account.stage === 'password_set' && !started()) {
          // The Wi-Fi credentials are made now, so the member can set up their devices; RADIUS
          // accepts them once the member is active, from the start.
          if (!state.access.wifi && patched('wifi-before-start')) {
            await act.grantWifiAccess({ memberId, organizationId, siteId: state.siteId!, key: key('wifi-before-start') });
            state.access.wifi = true;
          }
          return { ...result, access: 'pending_start' as const };
        }
      }
      return result;
    });
  }

  function stillRegistering(): void {
    if (state.removal) reject('MemberRemoved');
    if (state.card.stage === 'enrolled') reject('CardAlreadyRegistered');
  }

  // ---- messages: registered before the first await, so none is lost ----------------------------

  setHandler(stateQuery, () => view(state, input));

  setHandler(passwordSetSignal, () => {
    if (state.removal || state.account.stage === 'password_set') return;
    state.account.stage = 'password_set';
    state.account.passwordSetAt = Date.now();
    wake = true;
  });

  setHandler(wizardClosedSignal, ({ step, closeId }) => {
    if (state.removal || state.card.stage === 'enrolled' || (step !== 1 && step !== 2)) return;
    const id = closeId ?? uuid4();
    if (state.closesAnswered.includes(id) || state.pendingCloses.some((c) => c.closeId === id)) return;
    state.pendingCloses.push({ step, closeId: id });
    wake = true;
  });

  setHandler(
    confirmCardUpdate,
    ({ actor }) =>
      exclusive(async () => {
        stillRegistering();
        const pin = await revealPin(actor);
        wake = true;
        return { pin };
      }),
    { validator: (_request) => stillRegistering() },
  );

  setHandler(
    scanQrUpdate,
    ({ payload, actor }) => enroll('qr', { qrPayload: payload }, actor),
    {
      validator: ({ payload }) => {
        if (typeof payload !== 'string' || !payload.trim() || payload.length > 2048) reject('InvalidRequest', 'payload must be the text of the card’s QR code');
        stillRegistering();
      },
    },
  );

  setHandler(
    enrollAtDoorUpdate,
    ({ pin, cardNumber, doorControllerId }) =>
      enroll('door', { cardNumber }, `door-controller:${doorControllerId}`, () => {
        if (state.card.pin !== pin) reject('WrongPin');
      }),
    {
      validator: ({ pin, cardNumber }) => {
        if (typeof cardNumber !== 'string' || !cardNumber.trim()) reject('InvalidRequest', 'cardNumber is required');
        stillRegistering();
        if (!state.card.pin) reject('PinNotRevealed');
        if (state.card.pin !== pin) reject('WrongPin');
      },
    },
  );

  setHandler(
    registerCardUpdate,
    ({ cardNumber, actor }) => enroll('admin', { cardNumber }, actor),
    {
      validator: ({ cardNumber }) => {
        if (typeof cardNumber !== 'string' || !cardNumber.trim()) reject('InvalidRequest', 'cardNumber is required');
        stillRegistering();
      },
    },
  );

  setHandler(
    replaceCardUpdate,
    ({ cardNumber, actor }) =>
      exclusive(async () => {
        if (state.removal) reject('MemberRemoved');
        if (state.card.stage !== 'enrolled') reject('NoCardRegistered');
        const result = await act.replaceCard({
          memberId, organizationId, siteId: state.siteId!, cardNumber, grantAccess: state.access.card, actor, key: key('card-replacement'),
        });
        if (result.decision === 'enrolled') Object.assign(state.card, { cardId: result.cardId, cardNumber: result.cardNumber });
        return result;
      }),
    {
      validator: ({ cardNumber }) => {
        if (typeof cardNumber !== 'string' || !cardNumber.trim()) reject('InvalidRequest', 'cardNumber is required');
        if (state.removal) reject('MemberRemoved');
        if (state.card.stage !== 'enrolled') reject('NoCardRegistered');
      },
    },
  );

  setHandler(
    changeRoleUpdate,
    ({ role, actor }) =>
      exclusive(async () => {
        if (state.removal) reject('MemberRemoved');
        if (role === state.role) return { role };
        const refusal = await act.changeRole({ memberId, organizationId, role, actor, key: key('role') });
        if (refusal) reject(refusal.refused, refusal.message);
        state.role = role;
        return { role };
      }),
    {
      validator: ({ role }) => {
        if (role !== 'admin' && role !== 'user') reject('InvalidRequest', 'role must be admin or user');
        if (state.removal) reject('MemberRemoved');
      },
    },
  );

  setHandler(
    changeSiteUpdate,
    ({ siteId, actor }) =>
      exclusive(async () => {
        if (state.removal) reject('MemberRemoved');
        if (state.card.stage === 'enrolled') reject('CardAlreadyRegistered', 'the member’s card belongs to their current site: remove the member from it or replace the card there');
        if (siteId === state.siteId) return { siteId };
        await act.changeSite({ memberId, organizationId, siteId, actor, key: key('site') });
        // A PIN is unique among one site's pending enrollments: at the new site a new one is drawn.
        state.siteId = siteId;
        if (state.card.stage === 'pin_revealed') Object.assign(state.card, { stage: 'not_started', pin: undefined });
        return { siteId };
      }),
    {
      validator: ({ siteId }) => {
        if (typeof siteId !== 'string' || !siteId) reject('InvalidRequest', 'siteId is required');
        if (state.removal) reject('MemberRemoved');
        if (state.card.stage === 'enrolled') reject('CardAlreadyRegistered', 'the member’s card belongs to their current site');
      },
    },
  );

  setHandler(
    resendInvitationUpdate,
    ({ actor }) =>
      exclusive(async () => {
        if (state.removal) reject('MemberRemoved');
        if (state.account.stage === 'password_set') reject('PasswordAlreadySet');
        const now = Date.now();
        const tokenId = uuid4();
        const expiresAt = now + input.durations.invitationExpiresAfterMs;
        await act.issueInvitation({ memberId, organizationId, tokenId, expiresAt: new Date(expiresAt).toISOString(), resend: true, actor, key: key('invitation') });
        state.account = { ...state.account, stage: 'invited', tokenId, sentAt: now, expiresAt, remindersSent: 0, resends: state.account.resends + 1 };
        if (state.schedule?.invitationPending) {
          // A known-ahead member invited early by an admin: their clocks start now.
          state.schedule.invitationPending = false;
          state.invitedAt = now;
          state.card.overdueAt = now + input.durations.cardOverdueAfterMs;
        }
        await email('invitation e-mail (resent)', 'invitation-email', 'member', 'invitation', { invitationTokenId: tokenId, invitationExpiresAt: new Date(expiresAt).toISOString() });
        await syncStatus();
        wake = true;
        return { invitationExpiresAt: new Date(expiresAt).toISOString() };
      }),
    {
      validator: (_request) => {
        if (state.removal) reject('MemberRemoved');
        if (state.account.stage === 'password_set') reject('PasswordAlreadySet');
      },
    },
  );

  setHandler(
    changeScheduleUpdate,
    ({ schedule, dates, actor }) =>
      exclusive(async () => {
        if (state.removal) reject('MemberRemoved');
        if (state.access.grantedAt && schedule.startsAt !== (state.schedule?.startsAt ?? null) && schedule.startsAt !== null && schedule.startsAt > Date.now()) reject('AlreadyStarted');
        await act.changeSchedule({ memberId, organizationId, ...dates, actor, key: key('schedule') });
        // An invitation already sent stays sent; one still waiting goes out at the new time.
        state.schedule = { ...schedule, invitationPending: state.schedule?.invitationPending ?? false };
        wake = true;
        const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
        return { startsAt: iso(schedule.startsAt), endsAt: iso(schedule.endsAt) };
      }),
    {
      validator: ({ schedule, actor }) => {
        if (!scheduling) reject('InvalidRequest', 'this lifecycle started before start and end dates existed: remove and invite the member again to give them dates');
        if (typeof actor !== 'string' || !actor || !schedule) reject('InvalidRequest', 'schedule and actor are required');
        if (state.removal) reject('MemberRemoved');
      },
    },
  );

  setHandler(
    removeUpdate,
    ({ actor, reason, companyOffboarding }) =>
      removalTurn(async () => {
        if (state.removal) return { status: 'removed' as const };
        // Only a company's offboarding passes the flag (new input: runs before it never see it, so
        // their replay is unchanged); the activity checks that the company is indeed leaving.
        const leaving = companyOffboarding === true ? { companyOffboarding: true } : {};
        const claimed = await act.claimRemoval({ memberId, organizationId, actor, reason: reason ?? null, key: key('removal'), ...leaving });
        if ('refused' in claimed) reject(claimed.refused, claimed.message);
        state.removal = { actor, reason, requestedAt: Date.now(), statusBefore: claimed.statusBefore, email: claimed.email, name: claimed.name, ...leaving };
        state.status = 'removed';
        upsertSearchAttributes([{ key: MemberStatusKey, value: 'removed' }]);
        wake = true;
        return { status: 'removed' as const };
      }),
    {
      validator: ({ actor }) => {
        if (typeof actor !== 'string' || !actor) reject('InvalidRequest', 'actor is required');
        if (state.removal) reject('MemberRemoved', 'the member is already being removed');
      },
    },
  );

  // ---- the two tracks ------------------------------------------------------------------------

  // Kept across attempts: a begin interrupted by a refused removal runs again under the same keys.
  let beginKeys: { lifecycle: string; invitation: string } | undefined;
  async function begin(): Promise<void> {
    const expiresAt = new Date(state.account.expiresAt).toISOString();
    beginKeys ??= { lifecycle: key('lifecycle'), invitation: key('invitation') };
    const lifecycle = { memberId, organizationId, invitedBy: input.invitedBy, durations: input.durations, key: beginKeys.lifecycle };
    const invitation = { memberId, organizationId, tokenId: state.account.tokenId, expiresAt, resend: false, actor: input.invitedBy, key: beginKeys.invitation };
    if (state.schedule?.invitationPending) {
      // Known ahead: the row is tied to this run now, the invitation waits for its time.
      const member = await act.beginLifecycle(lifecycle);
      state.siteId = member.siteId;
      state.role = member.role;
      return;
    }
    // One activity task instead of two (measured by `npm run bench`: bulk onboarding is bound by
    // the server's work per member). Runs started before take the two steps apart.
    if (patched('begin-with-invitation')) {
      const member = await act.beginLifecycleWithInvitation({ lifecycle, invitation });
      state.siteId = member.siteId;
      state.role = member.role;
    } else {
      const member = await act.beginLifecycle(lifecycle);
      state.siteId = member.siteId;
      state.role = member.role;
      await act.issueInvitation(invitation);
    }
    await email('invitation e-mail', 'invitation-email', 'member', 'invitation', { invitationTokenId: state.account.tokenId, invitationExpiresAt: expiresAt });
  }

  async function advanceAccount(now: number): Promise<void> {
    if (state.account.stage !== 'invited') return;
    // After a long outage several reminders may be due at once: one e-mail says it.
    const due = invitationReminderTimes(state, input).filter((at) => at <= now).length;
    if (due > state.account.remindersSent) {
      state.account.remindersSent = due;
      await email(`invitation reminder ${due}`, 'invitation-reminder', 'member', 'invitation_reminder', {
        invitationTokenId: state.account.tokenId,
        invitationExpiresAt: new Date(state.account.expiresAt).toISOString(),
      });
    }
    if (state.account.expiresAt <= now) {
      const { passwordSet } = await act.expireInvitation({ memberId, organizationId, tokenId: state.account.tokenId, key: key('invitation-expiry') });
      if (passwordSet) {
        // The password exists but its signal never arrived: the database is the truth.
        state.account.stage = 'password_set';
        state.account.passwordSetAt = now;
      } else {
        state.account.stage = 'expired';
        await email('invitation expired (to admins)', 'invitation-expired', 'admins', 'invitation_expired');
      }
    }
  }

  async function advanceCard(now: number): Promise<void> {
    if (state.card.stage === 'enrolled') return;
    const due = cardReminderTimes(state, input).filter((at) => at <= now).length;
    if (due > state.card.remindersDue) {
      state.card.remindersDue = due;
      // Until a password exists the invitation e-mails speak for both tracks; a card reminder
      // would only add a second message about the same first step.
      if (state.account.stage === 'password_set') {
        await email(`card reminder ${due}`, 'card-reminder', 'member', 'card_reminder');
      }
    }
    if (!state.card.overdue && state.card.overdueAt <= now) {
      state.card.overdue = true;
      await act.recordEvent({ memberId, organizationId, type: 'card.overdue', data: { overdueAt: new Date(state.card.overdueAt).toISOString() }, key: key('card-overdue') });
      await email('card overdue (to admins)', 'card-overdue', 'admins', 'card_overdue');
    }
  }

  async function answerWizardCloses(): Promise<void> {
    while (state.pendingCloses.length) {
      const close = state.pendingCloses[0]!;
      if (state.card.stage !== 'enrolled' && !state.removal) {
        const pin = await revealPin('system');
        await email(`card instructions (wizard closed at step ${close.step})`, 'card-instructions', 'member', 'card_instructions', { pin, step: close.step });
      }
      state.pendingCloses.shift();
      state.closesAnswered = [...state.closesAnswered, close.closeId].slice(-MAX_CLOSES_REMEMBERED);
    }
  }

  async function activateWhenReady(): Promise<void> {
    if (state.account.stage !== 'password_set' || state.card.stage !== 'enrolled') return;
    if (!started()) return;
    if (!state.access.card) {
      await act.grantCardAccess({ memberId, organizationId, cardId: state.card.cardId!, key: key('card-access') });
      state.access.card = true;
    }
    if (!state.access.wifi) {
      await act.grantWifiAccess({ memberId, organizationId, siteId: state.siteId!, key: key('wifi-access') });
      state.access.wifi = true;
    }
    if (state.access.announce) {
      // Granted with the enrollment: only the e-mail is left.
      state.access.announce = false;
      await email('access active (card and Wi-Fi)', 'access-active', 'member', 'access_active', { cardNumber: state.card.cardNumber });
    }
    if (!state.access.grantedAt) {
      state.access.grantedAt = Date.now();
      // The member is active once access is granted, not once its e-mail is delivered (which may
      // retry for a day while SMTP is down). Older runs recorded the status after the e-mail.
      if (patched('status-before-access-email')) await syncStatus();
      await email('access active (card and Wi-Fi)', 'access-active', 'member', 'access_active', { cardNumber: state.card.cardNumber });
    }
  }

  /** The invitation of a member known ahead: its clocks (reminders, expiry, card overdue) start now. */
  async function inviteWhenDue(now: number): Promise<boolean> {
    const schedule = state.schedule;
    if (!schedule?.invitationPending) return true;
    const at = invitationAt(schedule, input);
    if (at !== null && now < at) return false;
    state.invitedAt = now;
    state.account = { ...state.account, sentAt: now, expiresAt: now + input.durations.invitationExpiresAfterMs, remindersSent: 0 };
    state.card.overdueAt = now + input.durations.cardOverdueAfterMs;
    const expiresAt = new Date(state.account.expiresAt).toISOString();
    await act.issueInvitation({ memberId, organizationId, tokenId: state.account.tokenId, expiresAt, resend: false, actor: input.invitedBy, key: key('invitation') });
    schedule.invitationPending = false;
    await syncStatus();
    await email('invitation e-mail', 'invitation-email', 'member', 'invitation', { invitationTokenId: state.account.tokenId, invitationExpiresAt: expiresAt });
    return true;
  }

  /** The end date has come: the usual removal and offboarding, by `schedule`. */
  async function endWhenDue(now: number): Promise<void> {
    const schedule = state.schedule;
    if (!schedule || schedule.endsAt === null || now < schedule.endsAt) return;
    const claimed = await act.claimRemoval({ memberId, organizationId, actor: 'schedule', reason: 'end date', key: key('removal') });
    if ('refused' in claimed) {
      // The company's last administrator: they stay (and the admins see why in the history).
      schedule.endsAt = null;
      await act.recordEvent({ memberId, organizationId, type: 'member.end_date_refused', data: { reason: claimed.message }, key: key('end-refused') });
      return;
    }
    state.removal = { actor: 'schedule', reason: 'end date', requestedAt: now, statusBefore: claimed.statusBefore, email: claimed.email, name: claimed.name };
    state.status = 'removed';
    upsertSearchAttributes([{ key: MemberStatusKey, value: 'removed' }]);
  }

  async function advance(): Promise<void> {
    if (state.removal) return;
    const now = Date.now();
    if (scheduling && state.schedule) {
      await endWhenDue(now);
      if (state.removal || !(await inviteWhenDue(now))) return;
    }
    await advanceAccount(now);
    await advanceCard(now);
    await answerWizardCloses();
    await activateWhenReady();
    await syncStatus();
  }

  async function offboard(): Promise<OffboardingReport> {
    const removal = state.removal!;
    const card = await act.revokeCardAccess({ memberId, organizationId, key: key('offboarding-card') });
    state.access.card = false;
    const wifi = await act.revokeWifiAccess({ memberId, organizationId, key: key('offboarding-wifi') });
    state.access.wifi = false;
    const credentials = await act.invalidateCredentials({ memberId, organizationId, key: key('offboarding-credentials') });
    const report: OffboardingReport = {
      memberId,
      organizationId,
      email: removal.email,
      name: removal.name,
      removedBy: removal.actor,
      reason: removal.reason ?? null,
      statusBefore: removal.statusBefore,
      requestedAt: new Date(removal.requestedAt).toISOString(),
      completedAt: '',
      card: card.cardNumber ? { number: card.cardNumber, revoked: true } : null,
      wifi: { revoked: wifi.revoked, disconnect: wifi.disconnect ?? [] },
      credentialsRevoked: credentials.revoked,
      emails: { member: 0, admins: 0 },
    };
    // Someone whose invitation never went out (known ahead, removed before) hears nothing of a removal.
    report.emails.member = state.schedule?.invitationPending ? 0 : (await email('removal notice (to the member)', 'removal-notice', 'member', 'removal_notice')).sent;
    // A company leaving sends its admins one report for everyone, not one per member.
    if (!removal.companyOffboarding) {
      report.emails.admins = (await email('offboarding report (to admins)', 'offboarding-report', 'admins', 'offboarding_report', { report })).sent;
    }
    report.completedAt = new Date(Date.now()).toISOString();
    await act.completeOffboarding({ memberId, organizationId, report, key: key('offboarding') });
    return report;
  }

  // ---- main loop -------------------------------------------------------------------------------

  const continueAsNewDue = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || (input.continueAsNewAfterEvents !== undefined && info.historyLength >= input.continueAsNewAfterEvents);
  };

  /**
   * One durable timer per deadline: a message that wakes the workflow without moving the next
   * deadline keeps the running timer, so the history shows each reminder's timer once.
   */
  const timers = (() => {
    let current: { at: number; fired: Promise<void>; scope: CancellationScope } | undefined;
    return {
      until(deadline: { at: number; summary: string }): Promise<void> {
        if (current?.at !== deadline.at) {
          current?.scope.cancel();
          const scope = new CancellationScope();
          const fired = scope.run(() => sleep(Math.max(deadline.at - Date.now(), 1), { summary: deadline.summary })).then(
            () => {
              if (current?.scope === scope) current = undefined;
            },
            (error: unknown) => {
              if (!isCancellation(error)) throw error;
            },
          );
          current = { at: deadline.at, fired, scope };
        }
        return current.fired;
      },
      cancel() {
        current?.scope.cancel();
        current = undefined;
      },
    };
  })();

  let begun = Boolean(input.carried);
  while (!begun && !state.removal) {
    try {
      await exclusive(begin);
      begun = true;
    } catch (error) {
      if (!preempted(error)) throw error;
    }
  }

  for (;;) {
    // Cleared before the step, so a message arriving during it still wakes the wait below.
    wake = false;
    try {
      await exclusive(advance);
    } catch (error) {
      if (!preempted(error)) throw error;
    }
    if (state.removal) break;
    if (continueAsNewDue()) {
      // Handlers in flight finish in this run; their effects are then part of the carried state.
      await condition(allHandlersFinished);
      if (!state.removal) await continueAsNew<typeof memberLifecycle>({ ...input, carried: state });
      continue;
    }
    const deadline = nextDeadline(state, input);
    const woken = condition(() => wake || state.removal !== undefined || continueAsNewDue());
    if (deadline) await Promise.race([timers.until(deadline), woken]);
    else {
      timers.cancel();
      await woken;
    }
  }

  timers.cancel();
  const report = await exclusive(offboard);
  await condition(allHandlersFinished);
  return report;
}

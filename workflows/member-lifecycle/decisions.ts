// The lifecycle's pure decisions: its first state, the status a state shows, the next moment a
// timer must wake it, and what the query answers. No Temporal API and no clock here (the caller
// passes `now`), so each is a plain function with unit tests (test/lifecycle-decisions.test.ts).
import { DEFAULT_INVITATION_LEAD_MS, SIGN_UP_APPROVAL_MS, type JoinedBy, type LifecycleState, type LifecycleView, type MemberLifecycleInput, type MemberSchedule, type MemberStatus } from '../../contract/workflows.ts';

/** When a known-ahead member's invitation goes out: their start date less the lead. */
export const invitationAt = (schedule: MemberSchedule, input: MemberLifecycleInput) =>
  schedule.startsAt === null ? null : schedule.startsAt - (input.durations.invitationLeadMs ?? DEFAULT_INVITATION_LEAD_MS);

/** A new lifecycle's state; `tokenId` names its first invitation link. */
export function initialState(input: MemberLifecycleInput, ids: { lifecycleId: string; tokenId: string }, now: number): LifecycleState {
  const inviteAt = input.schedule ? invitationAt(input.schedule, input) : null;
  const pending = inviteAt !== null && inviteAt > now;
  return {
    ...(input.schedule ? { schedule: { ...input.schedule, invitationPending: pending } } : {}),
    memberId: input.memberId,
    companyId: input.companyId,
    siteId: null,
    role: 'user',
    status: pending ? 'scheduled' : 'invited',
    lifecycleId: ids.lifecycleId,
    invitedAt: now,
    account: {
      stage: 'invited',
      tokenId: ids.tokenId,
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

/**
 * Someone who joined themself ("S'inscrire", single sign-on): no invitation, their account exists;
 * with the company's approval policy they first wait for an admin.
 */
export function joinedState(s: LifecycleState, joined: JoinedBy, now: number): void {
  s.account = { ...s.account, stage: 'password_set', passwordSetAt: now };
  s.joined = { via: joined.via, ...(joined.approval ? { awaitingApproval: { requestedAt: now, expiresAt: now + SIGN_UP_APPROVAL_MS } } : {}) };
  s.status = joined.approval ? 'awaiting_approval' : 'awaiting_card';
}

/** An approved sign-up: the card track's clocks (reminders, overdue) start now. */
export function approvedState(s: LifecycleState, input: MemberLifecycleInput, now: number): void {
  if (s.joined) delete s.joined.awaitingApproval;
  s.invitedAt = now;
  s.card.overdueAt = now + input.durations.cardOverdueAfterMs;
}

/** A lost or damaged card: the card track starts again, its clocks from now. */
export function cardLostState(s: LifecycleState, input: MemberLifecycleInput, now: number): void {
  s.card = { stage: 'not_started', remindersDue: 0, overdueAt: now + input.durations.cardOverdueAfterMs, overdue: false, restartedAt: now };
  s.access.card = false;
}

/** Whether the member registers a card (every member did before no-card members existed). */
export const hasCardTrack = (s: LifecycleState) => s.cardTrack !== false;

export function deriveStatus(s: LifecycleState): MemberStatus {
  if (s.removal) return 'removed';
  if (s.joined?.awaitingApproval) return 'awaiting_approval';
  if (s.schedule?.invitationPending) return 'scheduled';
  if (s.account.stage !== 'password_set') return s.account.stage === 'expired' ? 'invitation_expired' : 'invited';
  // No card needed: the password is all; before the first day they wait for it.
  if (!hasCardTrack(s)) return s.access.grantedAt || s.schedule?.startsAt == null ? 'active' : 'scheduled';
  // All done before the first day: access opens at 00:00 on the start date.
  if (s.card.stage === 'enrolled' && !s.access.grantedAt && s.schedule?.startsAt != null) return 'scheduled';
  if (s.card.stage !== 'enrolled' || !s.access.grantedAt) return s.card.overdue && s.card.stage !== 'enrolled' ? 'card_overdue' : 'awaiting_card';
  return 'active';
}

/** The invitation reminders that fall before the link expires (a reminder for a dead link helps nobody). */
export function invitationReminderTimes(s: LifecycleState, input: MemberLifecycleInput): number[] {
  return input.durations.invitationRemindersMs.map((ms) => s.account.sentAt + ms).filter((at) => at < s.account.expiresAt);
}
/** From the invitation, or from the moment a lost card restarted the track. */
export const cardReminderTimes = (s: LifecycleState, input: MemberLifecycleInput) => input.durations.cardRemindersMs.map((ms) => (s.card.restartedAt ?? s.invitedAt) + ms);

/** The next moment a timer must wake the workflow, and what for (the timer's summary in the UI). */
export function nextDeadline(s: LifecycleState, input: MemberLifecycleInput): { at: number; summary: string } | undefined {
  const candidates: { at: number; summary: string }[] = [];
  if (s.schedule?.endsAt != null) candidates.push({ at: s.schedule.endsAt, summary: 'end date: offboarding' });
  if (s.joined?.awaitingApproval) {
    candidates.push({ at: s.joined.awaitingApproval.expiresAt, summary: 'sign-up expires unless an admin approves it' });
    return candidates.sort((a, b) => a.at - b.at)[0];
  }
  if (s.schedule?.invitationPending) {
    const at = invitationAt(s.schedule, input);
    if (at !== null) candidates.push({ at, summary: 'invitation goes out (start date − lead)' });
    return candidates.sort((a, b) => a.at - b.at)[0];
  }
  if (s.schedule?.startsAt != null && !s.access.grantedAt && s.account.stage === 'password_set' && (s.card.stage === 'enrolled' || !hasCardTrack(s))) {
    candidates.push({ at: s.schedule.startsAt, summary: 'start date: card and Wi-Fi access open' });
  }
  if (s.account.stage === 'invited') {
    const reminders = invitationReminderTimes(s, input);
    const next = reminders[s.account.remindersSent];
    if (next !== undefined) candidates.push({ at: next, summary: `invitation reminder ${s.account.remindersSent + 1} of ${reminders.length}` });
    candidates.push({ at: s.account.expiresAt, summary: 'invitation link expires' });
  }
  if (s.card.stage !== 'enrolled' && hasCardTrack(s)) {
    const reminders = cardReminderTimes(s, input);
    const next = reminders[s.card.remindersDue];
    if (next !== undefined) candidates.push({ at: next, summary: `card reminder ${s.card.remindersDue + 1} of ${reminders.length}` });
    if (!s.card.overdue) candidates.push({ at: s.card.overdueAt, summary: 'card registration overdue' });
  }
  return candidates.sort((a, b) => a.at - b.at)[0];
}

export function view(s: LifecycleState, input: MemberLifecycleInput): LifecycleView {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  // Before a known-ahead invitation goes out, or an admin approves a sign-up, the clocks have not started: no deadline to show.
  const waiting = s.schedule?.invitationPending === true || s.joined?.awaitingApproval !== undefined;
  const invitationReminder = s.account.stage === 'invited' && !waiting ? invitationReminderTimes(s, input)[s.account.remindersSent] : undefined;
  const cardTrack = hasCardTrack(s);
  const cardReminder = s.card.stage !== 'enrolled' && !waiting && cardTrack ? cardReminderTimes(s, input)[s.card.remindersDue] : undefined;
  return {
    memberId: s.memberId,
    companyId: s.companyId,
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
      overdueAt: s.card.stage === 'enrolled' || waiting || !cardTrack ? null : iso(s.card.overdueAt),
      overdue: s.card.overdue,
      cardNumber: s.card.cardNumber ?? null,
      method: s.card.method ?? null,
    },
    access: { card: s.access.card, wifi: s.access.wifi },
    cardNeeded: cardTrack,
    schedule: s.schedule
      ? { startsAt: iso(s.schedule.startsAt ?? undefined), endsAt: iso(s.schedule.endsAt ?? undefined), invitationAt: s.schedule.invitationPending ? iso(invitationAt(s.schedule, input) ?? undefined) : null }
      : null,
    removal: s.removal ? { actor: s.removal.actor, requestedAt: new Date(s.removal.requestedAt).toISOString() } : null,
    ...(s.joined ? { approval: s.joined.awaitingApproval ? { expiresAt: new Date(s.joined.awaitingApproval.expiresAt).toISOString() } : null } : {}),
  };
}

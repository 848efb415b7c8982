// The lifecycle's timed steps, run by the main loop under the step lock: the beginning, the account
// track (invitation, reminders, expiry), the card track (reminders, overdue, wizard closes),
// activation, the dates, and the offboarding at the end.
import type { OffboardingReport } from '../../contract/workflows.ts';
import { act } from './activities.ts';
import { cardReminderTimes, hasCardTrack, invitationAt, invitationReminderTimes } from './decisions.ts';
import { deprecated, type MemberLifecycle } from './member-lifecycle.ts';

export async function begin(lc: MemberLifecycle): Promise<void> {
  const { state, input, memberId, companyId } = lc;
  const expiresAt = new Date(state.account.expiresAt).toISOString();
  // Kept across attempts: a begin interrupted by a refused removal runs again under the same keys.
  const keys = (lc.beginKeys ??= { lifecycle: lc.key('lifecycle'), invitation: lc.key('invitation') });
  const lifecycle = { memberId, companyId, invitedBy: input.invitedBy, durations: input.durations, key: keys.lifecycle };
  const invitation = { memberId, companyId, tokenId: state.account.tokenId, expiresAt, resend: false, actor: input.invitedBy, key: keys.invitation };
  if (state.joined) {
    // Joined by themself: nothing to invite them to. An approval policy tells the admins.
    Object.assign(state, pick(await act.beginLifecycle(lifecycle)));
    if (state.joined.awaitingApproval) await lc.email('sign-up to approve (to admins)', 'sign-up-request', 'admins', 'sign_up_request', { expiresAt: new Date(state.joined.awaitingApproval.expiresAt).toISOString() });
    return;
  }
  if (state.schedule?.invitationPending) {
    // Known ahead: the row is tied to this run now, the invitation waits for its time.
    Object.assign(state, pick(await act.beginLifecycle(lifecycle)));
    return;
  }
  // One activity task instead of two (measured by `npm run bench`: bulk onboarding is bound by
  // the server's work per member).
  deprecated('begin-with-invitation');
  Object.assign(state, pick(await act.beginLifecycleWithInvitation({ lifecycle, invitation })));
  await lc.email('invitation e-mail', 'invitation-email', 'member', 'invitation', { invitationTokenId: state.account.tokenId, invitationExpiresAt: expiresAt });
}

const pick = ({ siteId, role }: { siteId: string | null; role: MemberLifecycle['state']['role'] }) => ({ siteId, role });

async function advanceAccount(lc: MemberLifecycle, now: number): Promise<void> {
  const { state, input } = lc;
  if (state.account.stage !== 'invited') return;
  // After a long outage several reminders may be due at once: one e-mail says it.
  const due = invitationReminderTimes(state, input).filter((at) => at <= now).length;
  if (due > state.account.remindersSent) {
    state.account.remindersSent = due;
    await lc.email(`invitation reminder ${due}`, 'invitation-reminder', 'member', 'invitation_reminder', {
      invitationTokenId: state.account.tokenId,
      invitationExpiresAt: new Date(state.account.expiresAt).toISOString(),
    });
  }
  if (state.account.expiresAt <= now) {
    const { passwordSet } = await act.expireInvitation({ memberId: lc.memberId, companyId: lc.companyId, tokenId: state.account.tokenId, key: lc.key('invitation-expiry') });
    if (passwordSet) {
      // The password exists but its signal never arrived: the database is the truth.
      state.account.stage = 'password_set';
      state.account.passwordSetAt = now;
    } else {
      state.account.stage = 'expired';
      await lc.email('invitation expired (to admins)', 'invitation-expired', 'admins', 'invitation_expired');
    }
  }
}

async function advanceCard(lc: MemberLifecycle, now: number): Promise<void> {
  const { state, input } = lc;
  if (state.card.stage === 'enrolled' || !hasCardTrack(state)) return;
  const due = cardReminderTimes(state, input).filter((at) => at <= now).length;
  if (due > state.card.remindersDue) {
    state.card.remindersDue = due;
    // Until a password exists the invitation e-mails speak for both tracks; a card reminder
    // would only add a second message about the same first step.
    if (state.account.stage === 'password_set') await lc.email(`card reminder ${due}`, 'card-reminder', 'member', 'card_reminder');
  }
  if (!state.card.overdue && state.card.overdueAt <= now) {
    state.card.overdue = true;
    await act.recordEvent({ memberId: lc.memberId, companyId: lc.companyId, type: 'card.overdue', data: { overdueAt: new Date(state.card.overdueAt).toISOString() }, key: lc.key('card-overdue') });
    await lc.email('card overdue (to admins)', 'card-overdue', 'admins', 'card_overdue');
  }
}

async function answerWizardCloses(lc: MemberLifecycle): Promise<void> {
  const { state } = lc;
  while (state.pendingCloses.length) {
    const close = state.pendingCloses[0]!;
    if (state.card.stage !== 'enrolled' && !state.removal) {
      const pin = await lc.revealPin('system');
      await lc.email(`card instructions (wizard closed at step ${close.step})`, 'card-instructions', 'member', 'card_instructions', { pin, step: close.step });
    }
    lc.closeAnswered(close.closeId);
  }
}

async function activateWhenReady(lc: MemberLifecycle): Promise<void> {
  const { state, memberId, companyId } = lc;
  const enrolled = state.card.stage === 'enrolled';
  if (state.account.stage !== 'password_set' || (!enrolled && hasCardTrack(state)) || !lc.started()) return;
  // A member who needs no card gets one's access only if an admin registered one anyway.
  if (!state.access.card && enrolled) {
    await act.grantCardAccess({ memberId, companyId, cardId: state.card.cardId!, key: lc.key('card-access') });
    state.access.card = true;
  }
  if (!state.access.wifi) {
    await act.grantWifiAccess({ memberId, companyId, siteId: state.siteId!, key: lc.key('wifi-access') });
    state.access.wifi = true;
  }
  if (state.access.announce) {
    // Granted with the enrollment: only the e-mail is left.
    state.access.announce = false;
    await lc.email('access active (card and Wi-Fi)', 'access-active', 'member', 'access_active', { cardNumber: state.card.cardNumber });
  }
  if (!state.access.grantedAt) {
    state.access.grantedAt = Date.now();
    // The member is active once access is granted, not once its e-mail is delivered (which may
    // retry for a day while SMTP is down).
    deprecated('status-before-access-email');
    await lc.syncStatus();
    await lc.email('access active (card and Wi-Fi)', 'access-active', 'member', 'access_active', { cardNumber: state.card.cardNumber });
  }
}

/** The invitation of a member known ahead: its clocks (reminders, expiry, card overdue) start now. */
async function inviteWhenDue(lc: MemberLifecycle, now: number): Promise<boolean> {
  const { state, input } = lc;
  const schedule = state.schedule;
  if (!schedule?.invitationPending) return true;
  const at = invitationAt(schedule, input);
  if (at !== null && now < at) return false;
  state.invitedAt = now;
  state.account = { ...state.account, sentAt: now, expiresAt: now + input.durations.invitationExpiresAfterMs, remindersSent: 0 };
  state.card.overdueAt = now + input.durations.cardOverdueAfterMs;
  const expiresAt = new Date(state.account.expiresAt).toISOString();
  await act.issueInvitation({ memberId: lc.memberId, companyId: lc.companyId, tokenId: state.account.tokenId, expiresAt, resend: false, actor: input.invitedBy, key: lc.key('invitation') });
  schedule.invitationPending = false;
  await lc.syncStatus();
  await lc.email('invitation e-mail', 'invitation-email', 'member', 'invitation', { invitationTokenId: state.account.tokenId, invitationExpiresAt: expiresAt });
  return true;
}

/** The end date has come: the usual removal and offboarding, by `schedule`. */
async function endWhenDue(lc: MemberLifecycle, now: number): Promise<void> {
  const { state, memberId, companyId } = lc;
  const schedule = state.schedule;
  if (!schedule || schedule.endsAt === null || now < schedule.endsAt) return;
  const claimed = await act.claimRemoval({ memberId, companyId, actor: 'schedule', reason: 'end date', key: lc.key('removal') });
  if ('refused' in claimed) {
    // The company's last administrator: they stay (and the admins see why in the history).
    schedule.endsAt = null;
    await act.recordEvent({ memberId, companyId, type: 'member.end_date_refused', data: { reason: claimed.message }, key: lc.key('end-refused') });
    return;
  }
  state.removal = { actor: 'schedule', reason: 'end date', requestedAt: now, statusBefore: claimed.statusBefore, email: claimed.email, name: claimed.name };
  lc.setStatus('removed');
}

/** One pass of every track: what is due now is done. */
export async function advance(lc: MemberLifecycle): Promise<void> {
  if (lc.state.removal) return;
  const now = Date.now();
  if (lc.state.schedule) {
    await endWhenDue(lc, now);
    if (lc.state.removal || !(await inviteWhenDue(lc, now))) return;
  }
  const waiting = lc.state.joined?.awaitingApproval;
  if (waiting) {
    // Nothing runs before an admin approves; nobody answering in time ends the request.
    if (now >= waiting.expiresAt) await lc.claimSignUpEnd('system', 'expired');
    return;
  }
  await advanceAccount(lc, now);
  await advanceCard(lc, now);
  await answerWizardCloses(lc);
  await activateWhenReady(lc);
  await lc.syncStatus();
}

export async function offboard(lc: MemberLifecycle): Promise<OffboardingReport> {
  const { state, memberId, companyId } = lc;
  const removal = state.removal!;
  const card = await act.revokeCardAccess({ memberId, companyId, key: lc.key('offboarding-card') });
  state.access.card = false;
  const wifi = await act.revokeWifiAccess({ memberId, companyId, key: lc.key('offboarding-wifi') });
  state.access.wifi = false;
  const credentials = await act.invalidateCredentials({ memberId, companyId, key: lc.key('offboarding-credentials') });
  const report: OffboardingReport = {
    memberId,
    companyId,
    organizationId: companyId,
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
  if (removal.signUp) {
    // A sign-up refused or expired: the person hears that, and the admins decided it (or let it go).
    report.emails.member = (await lc.email(`sign-up ${removal.signUp} (to the member)`, 'sign-up-decided', 'member', 'sign_up_decided', { approved: false, expired: removal.signUp === 'expired' })).sent;
  } else {
    // Someone whose invitation never went out (known ahead, removed before) hears nothing of a removal.
    report.emails.member = state.schedule?.invitationPending ? 0 : (await lc.email('removal notice (to the member)', 'removal-notice', 'member', 'removal_notice')).sent;
  }
  // A company leaving sends its admins one report for everyone, not one per member.
  if (!removal.companyOffboarding && !removal.signUp) {
    report.emails.admins = (await lc.email('offboarding report (to admins)', 'offboarding-report', 'admins', 'offboarding_report', { report })).sent;
  }
  report.completedAt = new Date(Date.now()).toISOString();
  await act.completeOffboarding({ memberId, companyId, report, key: lc.key('offboarding') });
  return report;
}

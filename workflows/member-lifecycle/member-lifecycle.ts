// A member's lifecycle as one object: its state and the operations the messages ask for, each
// under the step lock (safe-message-handlers). The timed tracks are in tracks.ts; workflow.ts wires
// the handlers and runs the main loop.
import { deprecatePatch, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import type { EmailTemplate } from '../../mail/catalog.ts';
import { emailActivityOptions } from '../email-options.ts';
import {
  MemberStatusKey,
  withCompanyId,
  type EnrollmentMethod,
  type EnrollmentResult,
  type LifecycleState,
  type MemberLifecycleInput,
  type MemberRole,
  type MemberSchedule,
} from '../../contract/workflows.ts';
import { act } from './activities.ts';
import { approvedState, cardLostState, deriveStatus, initialState } from './decisions.ts';
import { StepLock } from './lock.ts';
import { reject } from './reject.ts';

const MAX_CLOSES_REMEMBERED = 20;

export class MemberLifecycle {
  readonly state: LifecycleState;
  /** Set by a message that needs the main loop to look again; cleared by the loop before each step. */
  wake = false;
  readonly lock = new StepLock();
  /** The first step's idempotency keys, drawn once (tracks.ts `begin`). */
  beginKeys: { lifecycle: string; invitation: string } | undefined;

  readonly input: MemberLifecycleInput;
  private readonly workflowId: string;

  constructor(given: MemberLifecycleInput, workflowId: string, firstRunId: string) {
    // Runs started before "company" carry organizationId in their input and state.
    const input = withCompanyId(given);
    this.input = input.carried ? { ...input, carried: withCompanyId(input.carried) } : input;
    this.workflowId = workflowId;
    this.state = this.input.carried ?? initialState(this.input, { lifecycleId: firstRunId, tokenId: uuid4() }, Date.now());
  }

  get memberId(): string {
    return this.state.memberId;
  }
  get companyId(): string {
    return this.state.companyId;
  }

  /** Whether the member's first day has come (always, without a start date). */
  started(): boolean {
    const schedule = this.state.schedule;
    return !schedule || schedule.startsAt === null || Date.now() >= schedule.startsAt;
  }

  /** `member-…/<lifecycle>/<purpose>/<n>`: the idempotency key of one side effect. */
  key(purpose: string): string {
    const n = (this.state.sequence[purpose] ?? 0) + 1;
    this.state.sequence[purpose] = n;
    return `${this.workflowId}/${this.state.lifecycleId}/${purpose}/${n}`;
  }

  email(summary: string, purpose: string, to: 'member' | 'admins', template: EmailTemplate, data: Record<string, unknown> = {}) {
    return act.sendEmail.executeWithOptions({ ...emailActivityOptions, summary }, [
      { key: this.key(purpose), companyId: this.companyId, memberId: this.memberId, to, template, data },
    ]);
  }

  /** Records the status the state now shows, when it moved. */
  async syncStatus(): Promise<void> {
    const next = deriveStatus(this.state);
    if (next === this.state.status) return;
    await act.recordStatus({ memberId: this.memberId, companyId: this.companyId, from: this.state.status, to: next, key: this.key('status') });
    this.setStatus(next);
  }

  setStatus(status: LifecycleState['status']): void {
    this.state.status = status;
    upsertSearchAttributes([{ key: MemberStatusKey, value: status }]);
  }

  async revealPin(actor: string): Promise<string> {
    const { state } = this;
    if (state.card.pin) return state.card.pin;
    const { pin } = await act.reserveEnrollmentPin({ memberId: this.memberId, companyId: this.companyId, siteId: state.siteId!, actor, key: this.key('pin') });
    state.card.pin = pin;
    state.card.stage = 'pin_revealed';
    return pin;
  }

  // ---- what the messages ask for ---------------------------------------------------------------

  passwordSet(): void {
    const { state } = this;
    if (state.removal || state.account.stage === 'password_set') return;
    state.account.stage = 'password_set';
    state.account.passwordSetAt = Date.now();
    this.wake = true;
  }

  wizardClosed(step: 1 | 2, closeId: string | undefined): void {
    const { state } = this;
    if (state.removal || state.card.stage === 'enrolled' || (step !== 1 && step !== 2)) return;
    const id = closeId ?? uuid4();
    if (state.closesAnswered.includes(id) || state.pendingCloses.some((c) => c.closeId === id)) return;
    state.pendingCloses.push({ step, closeId: id });
    this.wake = true;
  }

  /** A wizard close answered: remembered (the last few) so the same close never gets two e-mails. */
  closeAnswered(closeId: string): void {
    this.state.pendingCloses.shift();
    this.state.closesAnswered = [...this.state.closesAnswered, closeId].slice(-MAX_CLOSES_REMEMBERED);
  }

  stillRegistering(): void {
    if (this.state.removal) reject('MemberRemoved');
    if (this.state.card.stage === 'enrolled') reject('CardAlreadyRegistered');
  }

  confirmCard(actor: string): Promise<{ pin: string }> {
    return this.lock.exclusive(async () => {
      this.stillRegistering();
      const pin = await this.revealPin(actor);
      this.wake = true;
      return { pin };
    });
  }

  /** QR, door or admin: the same enrollment once it holds the lock and the track is still open. */
  enroll(method: EnrollmentMethod, card: { cardNumber?: string; qrPayload?: string }, actor: string, check?: () => void): Promise<EnrollmentResult> {
    return this.lock.exclusive(async () => {
      const { state } = this;
      this.stillRegistering();
      check?.();
      // A member with a password gets access in the enrollment's own transaction, so what the
      // door hears ("enrolled") is already true at the door.
      // A card registered again after a lost one gets its access in the same step too.
      const grantAccess = state.account.stage === 'password_set' && (!state.access.grantedAt || state.card.restartedAt !== undefined) && this.started() && deprecated('access-with-enrollment');
      const result = await act.enrollCard({
        memberId: this.memberId, companyId: this.companyId, siteId: state.siteId!, method, ...card, actor, key: this.key('enrollment'), ...(grantAccess ? { grantAccess } : {}),
      });
      if (result.decision !== 'enrolled') return result;
      Object.assign(state.card, { stage: 'enrolled', pin: undefined, cardId: result.cardId, cardNumber: result.cardNumber, method, enrolledAt: Date.now() });
      if (result.access === 'granted') {
        state.access = { card: true, wifi: true, grantedAt: Date.now(), announce: true };
        this.setStatus('active');
      }
      this.wake = true;
      // Enrolled before the first day: the card opens the doors from 00:00 on the start date.
      if (result.access !== 'granted' && state.account.stage === 'password_set' && !this.started()) {
        // The Wi-Fi credentials are made now, so the member can set up their devices; RADIUS
        // accepts them once the member is active, from the start.
        if (!state.access.wifi) {
          deprecatePatch('wifi-before-start');
          await act.grantWifiAccess({ memberId: this.memberId, companyId: this.companyId, siteId: state.siteId!, key: this.key('wifi-before-start') });
          state.access.wifi = true;
        }
        return { ...result, access: 'pending_start' as const };
      }
      return result;
    });
  }

  replaceCard(cardNumber: string, actor: string): Promise<EnrollmentResult> {
    return this.lock.exclusive(async () => {
      const { state } = this;
      if (state.removal) reject('MemberRemoved');
      if (state.card.stage !== 'enrolled') reject('NoCardRegistered');
      const result = await act.replaceCard({
        memberId: this.memberId, companyId: this.companyId, siteId: state.siteId!, cardNumber, grantAccess: state.access.card, actor, key: this.key('card-replacement'),
      });
      if (result.decision === 'enrolled') Object.assign(state.card, { cardId: result.cardId, cardNumber: result.cardNumber });
      return result;
    });
  }

  /** The old card leaves every door's list at once; the wizard starts again (PIN at the door, or QR). */
  cardLost(reason: 'lost' | 'damaged', actor: string) {
    return this.lock.exclusive(async () => {
      const { state } = this;
      if (state.removal) reject('MemberRemoved');
      if (state.card.stage !== 'enrolled') reject('NoCardRegistered');
      await act.declareCardLost({ memberId: this.memberId, companyId: this.companyId, reason, actor, key: this.key('card-lost') });
      cardLostState(state, this.input, Date.now());
      await this.syncStatus();
      this.wake = true;
      return { status: state.status };
    });
  }

  /** An admin's answer to a sign-up: approval takes a seat (none left: refused, still waiting). */
  decideSignUp(approve: boolean, actor: string) {
    return this.lock.exclusive(async () => {
      const { state } = this;
      if (state.removal) reject('MemberRemoved');
      if (!state.joined?.awaitingApproval) reject('NotAwaitingApproval');
      if (!approve) {
        await this.claimSignUpEnd(actor, 'refused');
        return { status: state.status };
      }
      // The status once approved (what the clocks approvedState restarts do not change).
      const next = deriveStatus({ ...state, joined: { via: state.joined.via } });
      const refusal = await act.approveSignUp({ memberId: this.memberId, companyId: this.companyId, actor, status: next, key: this.key('sign-up-approval') });
      if (refusal) reject(refusal.refused, refusal.message, refusal.details);
      approvedState(state, this.input, Date.now());
      this.setStatus(deriveStatus(state));
      await this.email('sign-up approved (to the member)', 'sign-up-decided', 'member', 'sign_up_decided', { approved: true });
      this.wake = true;
      return { status: state.status };
    });
  }

  /** A sign-up refused by an admin or expired unanswered: ended like a removal, told as what it is. */
  async claimSignUpEnd(actor: string, how: 'refused' | 'expired'): Promise<void> {
    const reason = how === 'refused' ? 'sign-up refused' : 'sign-up not approved in time';
    const claimed = await act.claimRemoval({ memberId: this.memberId, companyId: this.companyId, actor, reason, key: this.key('removal') });
    if ('refused' in claimed) reject(claimed.refused, claimed.message);
    this.state.removal = { actor, reason, requestedAt: Date.now(), statusBefore: claimed.statusBefore, email: claimed.email, name: claimed.name, signUp: how };
    this.setStatus('removed');
    this.wake = true;
  }

  changeRole(role: MemberRole, actor: string): Promise<{ role: MemberRole }> {
    return this.lock.exclusive(async () => {
      if (this.state.removal) reject('MemberRemoved');
      if (role === this.state.role) return { role };
      const refusal = await act.changeRole({ memberId: this.memberId, companyId: this.companyId, role, actor, key: this.key('role') });
      if (refusal) reject(refusal.refused, refusal.message);
      this.state.role = role;
      return { role };
    });
  }

  changeSite(siteId: string, actor: string): Promise<{ siteId: string }> {
    return this.lock.exclusive(async () => {
      const { state } = this;
      if (state.removal) reject('MemberRemoved');
      if (state.card.stage === 'enrolled') reject('CardAlreadyRegistered', 'the member’s card belongs to their current site: remove the member from it or replace the card there');
      if (siteId === state.siteId) return { siteId };
      await act.changeSite({ memberId: this.memberId, companyId: this.companyId, siteId, actor, key: this.key('site') });
      // A PIN is unique among one site's pending enrollments: at the new site a new one is drawn.
      state.siteId = siteId;
      if (state.card.stage === 'pin_revealed') Object.assign(state.card, { stage: 'not_started', pin: undefined });
      return { siteId };
    });
  }

  resendInvitation(actor: string): Promise<{ invitationExpiresAt: string }> {
    return this.lock.exclusive(async () => {
      const { state, input } = this;
      if (state.removal) reject('MemberRemoved');
      if (state.account.stage === 'password_set') reject('PasswordAlreadySet');
      const now = Date.now();
      const tokenId = uuid4();
      const expiresAt = now + input.durations.invitationExpiresAfterMs;
      const expiresIso = new Date(expiresAt).toISOString();
      await act.issueInvitation({ memberId: this.memberId, companyId: this.companyId, tokenId, expiresAt: expiresIso, resend: true, actor, key: this.key('invitation') });
      state.account = { ...state.account, stage: 'invited', tokenId, sentAt: now, expiresAt, remindersSent: 0, resends: state.account.resends + 1 };
      if (state.schedule?.invitationPending) {
        // A known-ahead member invited early by an admin: their clocks start now.
        state.schedule.invitationPending = false;
        state.invitedAt = now;
        state.card.overdueAt = now + input.durations.cardOverdueAfterMs;
      }
      await this.email('invitation e-mail (resent)', 'invitation-email', 'member', 'invitation', { invitationTokenId: tokenId, invitationExpiresAt: expiresIso });
      await this.syncStatus();
      this.wake = true;
      return { invitationExpiresAt: expiresIso };
    });
  }

  changeSchedule(schedule: MemberSchedule, dates: { startsOn: string | null; endsOn: string | null; endsAt: string | null }, actor: string) {
    return this.lock.exclusive(async () => {
      const { state } = this;
      if (state.removal) reject('MemberRemoved');
      if (state.access.grantedAt && schedule.startsAt !== (state.schedule?.startsAt ?? null) && schedule.startsAt !== null && schedule.startsAt > Date.now()) reject('AlreadyStarted');
      await act.changeSchedule({ memberId: this.memberId, companyId: this.companyId, ...dates, actor, key: this.key('schedule') });
      // An invitation already sent stays sent; one still waiting goes out at the new time.
      state.schedule = { ...schedule, invitationPending: state.schedule?.invitationPending ?? false };
      this.wake = true;
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      return { startsAt: iso(schedule.startsAt), endsAt: iso(schedule.endsAt) };
    });
  }

  remove(actor: string, reason: string | undefined, companyOffboarding: boolean | undefined): Promise<{ status: 'removed' }> {
    return this.lock.removalTurn(async () => {
      const { state } = this;
      if (state.removal) return { status: 'removed' as const };
      // Only a company's offboarding passes the flag; the activity checks that the company is indeed leaving.
      const leaving = companyOffboarding === true ? { companyOffboarding: true } : {};
      const claimed = await act.claimRemoval({ memberId: this.memberId, companyId: this.companyId, actor, reason: reason ?? null, key: this.key('removal'), ...leaving });
      if ('refused' in claimed) reject(claimed.refused, claimed.message);
      state.removal = { actor, reason, requestedAt: Date.now(), statusBefore: claimed.statusBefore, email: claimed.email, name: claimed.name, ...leaving };
      this.setStatus('removed');
      this.wake = true;
      return { status: 'removed' as const };
    });
  }
}

/**
 * A patch whose runs from before it can no longer exist (docs/development.md, "Workflow
 * versions"): the code takes its new path only, and still marks the history where it did.
 */
export function deprecated(patchId: string): true {
  deprecatePatch(patchId);
  return true;
}

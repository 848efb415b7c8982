// The lifecycle's day-long timers with their default durations (2/5/7 days, 3/10/14 days), on
// Temporal's time-skipping test server: the test moves the clock, the worker, PostgreSQL and SMTP
// are real. One server for this file; its tests run one after another because the clock is shared.
import test from 'ava';
import { WorkflowNotFoundError, WorkflowUpdateStage } from '@temporalio/client';
import { DomainError } from '../domain/errors.ts';
import { acceptInvitation } from '../domain/members/accept-invitation.ts';
import type { LifecycleHandle } from '../domain/members/lifecycle-gateway.ts';
import { createSecrets } from '../domain/secrets.ts';
import { registerCardUpdate, removeUpdate, resendInvitationUpdate } from '../contract/workflows.ts';
import type { OffboardingReport } from '../contract/workflows.ts';
import { recordHistory } from './helpers/lifecycle.ts';
import { timeSkippingWorld, type TimeSkippingWorld } from './helpers/time-skipping.ts';
import { fileScope } from './helpers/scope.ts';
import { TEST_SECRET_KEY } from './helpers/temporal.ts';

const DAY = 86_400_000;
const scope = fileScope();
let shared: Promise<TimeSkippingWorld> | undefined;
const setup = () => (shared ??= timeSkippingWorld(scope));

/**
 * The test server forgets an update's outcome once its workflow has closed, and a removal closes
 * it within milliseconds: wait for the acceptance, then for the workflow's result (the report).
 */
async function removeAndWait(handle: LifecycleHandle, actor: string) {
  // The time-skipping server forgets an update once its run has closed, and removal closes the
  // run within moments: polling for acceptance may then answer "update not found". The run's
  // result (the offboarding report, asserted by the callers) is what proves the removal; an
  // update that never arrived leaves the wait below failing on its timeout.
  await handle.startUpdate(removeUpdate, { args: [{ actor }], waitForStage: WorkflowUpdateStage.ACCEPTED }).catch((error: unknown) => {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  });
  // Not the time-skipping client's result(): while it waits, the server skips time to the next
  // timer of *any* workflow, and a member with no timer left (awaiting their card past overdue)
  // was fast-forwarded to the Java test server's 10-year run timeout. Offboarding needs no timer,
  // so a plain client waits for it in real time.
  const { plain } = await setup();
  return (await plain.workflow.result(handle.workflowId)) as OffboardingReport;
}

/** The webhook events the outbox holds for a member, oldest first. */
const webhookEvents = async (f: TimeSkippingWorld['fixture'], memberId: string) =>
  (await f.orm.em.fork().execute<{ type: string }[]>('select type from webhook_event where member_id = ? order by seq', [memberId])).map((r) => r.type);

test.serial('invitation: reminders at 2 and 5 days, expiry at 7 days with the admins told', async (t) => {
  const { env, fixture: f } = await setup();
  const member = await f.invite();
  await f.waitForMails(member.email, /vous invite/);
  const start = await f.state(member.memberId);
  t.is(Date.parse(start.account.nextReminderAt!) - Date.parse(start.account.invitationExpiresAt!), 2 * DAY - 7 * DAY);

  await env.sleep(2 * DAY + 60_000);
  await f.waitForMails(member.email, /Rappel : créez votre compte/, 1);
  t.like(await f.state(member.memberId), { status: 'invited', account: { remindersSent: 1 } });

  await env.sleep(3 * DAY);
  await f.waitForMails(member.email, /Rappel : créez votre compte/, 2);

  await env.sleep(2 * DAY);
  const expired = await f.waitForState(member.memberId, 'invitation_expired', (v) => v.status === 'invitation_expired');
  t.is(expired.account.stage, 'expired');
  t.is(expired.account.nextReminderAt, null);
  await f.waitForMails(f.admin.email, /Invitation expirée/);
  t.is((await f.memberRow(member.memberId)).status, 'invitation_expired');
  t.deepEqual(await webhookEvents(f, member.memberId), ['member.invited', 'member.invitation_expired'], 'what webhooks carry, in the outbox');
  t.like((await f.orm.em.fork().execute<{ data: { member: { status: string } } }[]>(`select data from webhook_event where member_id = ? and type = 'member.invitation_expired'`, [member.memberId]))[0], { data: { member: { status: 'invitation_expired' } } });
  // Exactly two reminders: none after the link died.
  t.is((await f.mailsTo(member.email)).filter((m) => /Rappel/.test(m.subject)).length, 2);

  const tooLate = await t.throwsAsync(f.acceptInvitation(member.email), { instanceOf: DomainError });
  t.is(tooLate.code, 'invitation_expired');

  // Removal works from this state too.
  t.like(await removeAndWait(member.handle, `member:${f.admin.memberId}`), { statusBefore: 'invitation_expired', card: null });
  await recordHistory(f.client, 'invitation-reminders-then-expiry', member.handle.workflowId);
});

test.serial('resend: a new link, the old one dead, the account clock restarted, even after expiry', async (t) => {
  const { env, fixture: f } = await setup();
  const member = await f.invite();
  const [firstMail] = await f.waitForMails(member.email, /vous invite/);
  await env.sleep(7 * DAY + 60_000);
  await f.waitForState(member.memberId, 'invitation_expired', (v) => v.status === 'invitation_expired');

  const { invitationExpiresAt } = await member.handle.executeUpdate(resendInvitationUpdate, { args: [{ actor: `member:${f.admin.memberId}` }] });
  t.is((await f.state(member.memberId)).status, 'invited');
  t.true(Date.parse(invitationExpiresAt) - (await env.currentTimeMs()) > 6 * DAY, 'the new link lives 7 days from the resend');
  const mails = await f.waitForMails(member.email, /vous invite/, 2);
  t.not(mails[0]!.text, firstMail!.text, 'a different link');

  // The first link is dead: posting a password on it is refused with a clear reason.
  const oldToken = decodeURIComponent(/\/invitations\/(\S+)/.exec(firstMail!.text)![1]!);
  const refused = await t.throwsAsync(acceptInvitation({ em: f.orm.em.fork(), lifecycles: f.lifecycles, secrets: createSecrets(TEST_SECRET_KEY) }, { token: oldToken, password: 'a long password' }), { instanceOf: DomainError });
  t.is(refused.code, 'invitation_replaced');

  // The reminders start again from the resend.
  await env.sleep(2 * DAY + 60_000);
  await f.waitForMails(member.email, /Rappel : créez votre compte/, 1);
  await f.acceptInvitation(member.email);
  await f.waitForState(member.memberId, 'awaiting_card', (v) => v.status === 'awaiting_card');
  await recordHistory(f.client, 'invitation-resent-after-expiry', member.handle.workflowId);
});

test.serial('card: reminders at 3 and 10 days, overdue at 14 days with the admins told, and the track still waits', async (t) => {
  const { env, fixture: f } = await setup();
  const card = await f.addCard();
  const member = await f.invite();
  await f.acceptInvitation(member.email);
  await f.waitForState(member.memberId, 'awaiting_card', (v) => v.status === 'awaiting_card');

  await env.sleep(3 * DAY + 60_000);
  await f.waitForMails(member.email, /carte d'accès n'est pas encore enregistrée/, 1);
  await env.sleep(7 * DAY);
  await f.waitForMails(member.email, /carte d'accès n'est pas encore enregistrée/, 2);
  t.is((await f.state(member.memberId)).status, 'awaiting_card');

  await env.sleep(4 * DAY);
  const overdue = await f.waitForState(member.memberId, 'card_overdue', (v) => v.status === 'card_overdue');
  t.true(overdue.card.overdue);
  await f.waitForMails(f.admin.email, new RegExp(`Carte d'accès non enregistrée : Member ${member.email.split('@')[0]}`));
  // Removal works from card_overdue too.
  const other = await f.invite();
  await f.acceptInvitation(other.email);
  await env.sleep(14 * DAY + 60_000);
  await f.waitForState(other.memberId, 'card_overdue', (v) => v.status === 'card_overdue');
  t.like(await removeAndWait(other.handle, `member:${f.admin.memberId}`), { statusBefore: 'card_overdue' });
  t.is((await f.memberRow(member.memberId)).status, 'card_overdue');
  t.true((await f.auditTypes(member.memberId)).includes('card.overdue'));
  t.like(await f.orm.em.fork().execute<{ type: string; data: { overdueAt: string; member: { status: string } } }[]>(
    `select type, data from webhook_event where member_id = ? and type = 'member.card_overdue'`, [member.memberId]), [{ type: 'member.card_overdue', data: { member: { status: 'card_overdue' } } }]);

  // Still waiting: an admin registering a card makes the member active.
  await member.handle.executeUpdate(registerCardUpdate, { args: [{ cardNumber: card.cardNumber, actor: `member:${f.admin.memberId}` }] });
  await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');
  await recordHistory(f.client, 'card-reminders-overdue-then-registered', member.handle.workflowId);
});

test.serial('no card reminder reaches a member who has not created a password yet', async (t) => {
  const { env, fixture: f } = await setup();
  const member = await f.invite();
  await f.waitForMails(member.email, /vous invite/);
  await env.sleep(3 * DAY + 60_000);
  await f.waitForMails(member.email, /Rappel : créez votre compte/, 1);
  // The 3-day card reminder came due (the next one is the 10-day one) and was not sent.
  const invitedAt = (v: { account: { invitationExpiresAt: string | null } }) => Date.parse(v.account.invitationExpiresAt!) - 7 * DAY;
  const state = await f.waitForState(member.memberId, 'the 3-day card reminder to have come due', (v) => Date.parse(v.card.nextReminderAt!) === invitedAt(v) + 10 * DAY);
  t.is(state.status, 'invited');
  t.false((await f.mailsTo(member.email)).some((m) => /carte d'accès/.test(m.subject)));
});

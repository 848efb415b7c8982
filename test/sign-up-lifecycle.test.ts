// The lifecycle's new states on Temporal's time-skipping test server (the worker, PostgreSQL and
// SMTP are real): a sign-up waiting for approval expires at 14 days, an approved one goes on to
// the card track, and a lost card restarts that track with the old card off the doors' lists.
import test from 'ava';
import { cardLostUpdate, decideSignUpUpdate, registerCardUpdate, type OffboardingReport } from '../contract/workflows.ts';
import { inviteMember } from '../domain/members/invite-member.ts';
import { hashPassword } from '../domain/passwords.ts';
import { defaultDurations, recordHistory, type Fixture } from './helpers/lifecycle.ts';
import { timeSkippingWorld, type TimeSkippingWorld } from './helpers/time-skipping.ts';
import { fileScope } from './helpers/scope.ts';
import { randomBytes } from 'node:crypto';

const DAY = 86_400_000;
const scope = fileScope();
let shared: Promise<TimeSkippingWorld> | undefined;
const setup = () => (shared ??= timeSkippingWorld(scope));

/** Someone who signed up at the fixture's company with its approval policy, as completeSignUp adds them. */
async function signedUp(f: Fixture, approval: boolean) {
  const email = `joiner-${randomBytes(4).toString('hex')}@acme.test`;
  const joined = await inviteMember(
    { em: f.orm.em.fork(), lifecycles: f.lifecycles, defaults: defaultDurations },
    { companyId: f.companyId, siteId: f.siteId, email, name: 'Jo Joiner', role: 'user', locale: 'en', actor: 'sign-up', joined: { via: 'sign_up', approval, passwordHash: await hashPassword('correct horse battery staple') } },
  );
  return { memberId: joined.memberId, email, handle: f.lifecycles.handle(joined.memberId) };
}

test.serial('a sign-up nobody approves expires at 14 days: the person is told, nothing else was sent', async (t) => {
  const { env, plain, fixture: f } = await setup();
  const member = await signedUp(f, true);
  const waiting = await f.waitForState(member.memberId, 'waiting for approval', (v) => v.status === 'awaiting_approval');
  t.is(Date.parse(waiting.approval!.expiresAt) - (await env.currentTimeMs()) <= 14 * DAY, true);
  await f.waitForMails(f.admin.email, /asks to join|demande à rejoindre/i);
  await env.sleep(13 * DAY);
  t.is((await f.state(member.memberId)).status, 'awaiting_approval', 'still waiting at 13 days');
  await env.sleep(DAY + 60_000);
  const report = (await plain.workflow.result(member.handle.workflowId)) as OffboardingReport;
  t.like(report, { removedBy: 'system', reason: 'sign-up not approved in time', statusBefore: 'awaiting_approval', emails: { admins: 0 } });
  const mails = await f.waitForMails(member.email, /request to join/i);
  t.regex(mails[0]!.text, /within 14 days/);
  t.deepEqual((await f.mailsTo(member.email)).length, 1, 'no invitation, no reminder, no removal notice');
  t.true((await f.auditTypes(member.memberId)).includes('member.signed_up'));
  await recordHistory(plain, 'sign-up-expired', member.handle.workflowId);
});

test.serial('an approved sign-up goes on to the card track, its clocks started at the approval', async (t) => {
  const { env, plain, fixture: f } = await setup();
  const member = await signedUp(f, true);
  await f.waitForState(member.memberId, 'waiting for approval', (v) => v.status === 'awaiting_approval');
  await env.sleep(5 * DAY);
  const approved = await member.handle.executeUpdate(decideSignUpUpdate, { args: [{ approve: true, actor: `member:${f.admin.memberId}` }] });
  t.is(approved.status, 'awaiting_card');
  const approvedAt = await env.currentTimeMs();
  const view = await f.state(member.memberId);
  t.true(Math.abs(Date.parse(view.card.overdueAt!) - (approvedAt + defaultDurations.cardOverdueAfterMs)) < DAY, 'overdue counts from the approval');
  await f.waitForMails(member.email, /welcome/i);
  const card = await f.addCard();
  t.like(await member.handle.executeUpdate(registerCardUpdate, { args: [{ cardNumber: card.cardNumber, actor: `member:${f.admin.memberId}` }] }), { decision: 'enrolled', access: 'granted' });
  await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');
  t.true((await f.accessList()).includes(card.cardNumber));
  await recordHistory(plain, 'sign-up-approved-then-active', member.handle.workflowId);
});

test.serial('a lost card: revoked at once, off the doors; the card track restarts (reminders from now) until another card is registered', async (t) => {
  const { env, plain, fixture: f } = await setup();
  const member = await f.invite({ locale: 'en' });
  await f.acceptInvitation(member.email);
  const first = await f.addCard();
  await member.handle.executeUpdate(registerCardUpdate, { args: [{ cardNumber: first.cardNumber, actor: `member:${f.admin.memberId}` }] });
  await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');
  await env.sleep(20 * DAY);

  t.is((await member.handle.executeUpdate(cardLostUpdate, { args: [{ reason: 'damaged', actor: `member:${member.memberId}` }] })).status, 'awaiting_card');
  t.false((await f.accessList()).includes(first.cardNumber), 'the old card opens nothing');
  const card = (await f.orm.em.fork().execute<{ state: string }[]>('select state from card where id = ?', [first.cardId]))[0]!;
  t.is(card.state, 'revoked');
  const restarted = await f.state(member.memberId);
  t.like(restarted, { status: 'awaiting_card', card: { stage: 'not_started', overdue: false }, access: { card: false, wifi: true } });
  // A second "lost" before a new card has nothing to revoke.
  const again = await member.handle.executeUpdate(cardLostUpdate, { args: [{ reason: 'lost', actor: 'x' }] }).then(
    () => 'accepted',
    (e: Error) => (e.cause as Error | undefined)?.message ?? e.message,
  );
  t.regex(again, /no registered card/);

  await env.sleep(3 * DAY + 60_000);
  await f.waitForMails(member.email, /access card|carte d'accès/i, 1);
  const second = await f.addCard();
  t.like(await member.handle.executeUpdate(registerCardUpdate, { args: [{ cardNumber: second.cardNumber, actor: `member:${f.admin.memberId}` }] }), { decision: 'enrolled', access: 'granted' });
  await f.waitForState(member.memberId, 'active again', (v) => v.status === 'active');
  t.deepEqual((await f.accessList()).filter((n) => n === first.cardNumber || n === second.cardNumber), [second.cardNumber]);
  const audit = await f.auditTypes(member.memberId);
  t.true(audit.includes('card.lost'));
  const lost = (await f.orm.em.fork().execute<{ data: { cause: string } }[]>("select data from audit_event where member_id = ? and type = 'card.lost'", [member.memberId]))[0]!;
  t.is(lost.data.cause, 'damaged', 'the history says why');
  await recordHistory(plain, 'card-lost-then-registered', member.handle.workflowId);
});

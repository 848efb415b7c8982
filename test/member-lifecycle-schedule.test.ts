// Start and end dates on Temporal's time-skipping test server: the test moves the clock weeks
// ahead; the worker, PostgreSQL and SMTP are real. A member known ahead is `scheduled` and gets
// nothing until start − INVITATION_LEAD (7 days), enrolls before their first day without access,
// gets access at 00:00 at their site on it, and is removed by `schedule` after their last day.
import test from 'ava';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DomainError } from '../domain/errors.ts';
import { updateMember } from '../domain/members/update-member.ts';
import { dateAt, midnightAt, nextDay } from '../domain/time.ts';
import { registerCardUpdate } from '../contract/workflows.ts';
import type { OffboardingReport } from '../contract/workflows.ts';
import { query } from './helpers/database.ts';
import { recordHistory, type Fixture } from './helpers/lifecycle.ts';
import { timeSkippingWorld, type TimeSkippingWorld } from './helpers/time-skipping.ts';
import { fileScope } from './helpers/scope.ts';

const DAY = 86_400_000;
const PARIS = 'Europe/Paris';
const scope = fileScope();
let shared: Promise<TimeSkippingWorld> | undefined;
const setup = () => (shared ??= timeSkippingWorld(scope));

const datesOf = async (f: Fixture, memberId: string) =>
  (await query<{ status: string; starts_on: string | null; ends_on: string | null }>(f.url, 'select status, starts_on::text, ends_on::text from member where id = $1', [memberId])).rows[0];

const wifiCredentials = async (f: Fixture, memberId: string) =>
  (await query<{ username: string }>(f.url, 'select username from wifi_credential where member_id = $1 and revoked_at is null', [memberId])).rows.length;
/** What FreeRADIUS would accept for the member at an access point of their site (the `radius.radcheck` view it reads). */
async function radiusAccepts(f: Fixture, memberId: string): Promise<boolean> {
  await query(f.url, `insert into radius_client (id, site_id, name, address, secret, coa_port, created_at, created_by)
    select gen_random_uuid(), m.site_id, 'AP', '127.9.' || floor(random() * 250)::int || '.' || floor(random() * 250 + 2)::int, 'secret-of-the-test-ap', 3799, now(), 'test'
      from member m where m.id = $1 and not exists (select 1 from radius_client c where c.site_id = m.site_id)`, [memberId]);
  return (await query(f.url, `select 1 from radius.radcheck r join wifi_credential w on w.username = r.username
     join member m on m.id = w.member_id join radius_client c on c.site_id = m.site_id and c.address = r.nasname where w.member_id = $1`, [memberId])).rows.length > 0;
}

/** Skips the test server's clock to `at` (ms), then lets the workflows handle what fell due. */
async function skipTo(env: TestWorkflowEnvironment, at: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (at > now) await env.sleep(at - now);
}

test.serial('a member known ahead: nothing before start − 7 days, then the invitation; access only from 00:00 on the start date; removed by schedule after the last day', async (t) => {
  const { env, plain, fixture: f } = await setup();
  const now = await env.currentTimeMs();
  const startsOn = dateAt(new Date(now + 20 * DAY), PARIS);
  const endsOn = dateAt(new Date(now + 30 * DAY), PARIS);
  const startsAt = midnightAt(startsOn, PARIS).getTime();
  const endsAt = midnightAt(nextDay(endsOn), PARIS).getTime();
  const card = await f.addCard();
  const member = await f.invite({ dates: { startsOn, endsOn }, continueAsNewAfterEvents: 40 });

  const firstRun = (await member.handle.describe()).runId;
  const planned = await f.state(member.memberId);
  t.is(planned.status, 'scheduled');
  t.deepEqual(planned.schedule, { startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString(), invitationAt: new Date(startsAt - 7 * DAY).toISOString() });
  t.like(await datesOf(f, member.memberId), { status: 'scheduled', starts_on: startsOn, ends_on: endsOn });

  // An hour before the invitation's time: still nothing sent.
  await skipTo(env, startsAt - 7 * DAY - 3_600_000);
  await f.waitForIdle(member.memberId);
  t.is((await f.mailsTo(member.email)).length, 0, 'no e-mail before start − lead');
  t.is((await f.state(member.memberId)).status, 'scheduled');

  await skipTo(env, startsAt - 7 * DAY + 60_000);
  await f.waitForMails(member.email, /vous invite/);
  const invited = await f.waitForState(member.memberId, 'invited', (v) => v.status === 'invited');
  // The invitation's clocks count from the invitation, not from the record's creation.
  const sentAt = Date.parse(invited.account.invitationExpiresAt!) - 7 * DAY;
  t.true(sentAt >= startsAt - 7 * DAY && sentAt < startsAt - 7 * DAY + 60_000, 'the link lives 7 days from the invitation');
  t.true(Date.parse(invited.card.overdueAt!) >= startsAt - 7 * DAY + 14 * DAY);
  t.is(invited.schedule?.invitationAt, null);

  // Enrolled before the first day: the card is theirs, but opens nothing yet.
  await f.acceptInvitation(member.email);
  const enrolled = await member.handle.executeUpdate(registerCardUpdate, { args: [{ cardNumber: card.cardNumber, actor: `member:${f.admin.memberId}` }] });
  t.like(enrolled, { decision: 'enrolled', access: 'pending_start' });
  await f.waitForState(member.memberId, 'scheduled (waiting for the first day)', (v) => v.status === 'scheduled' && v.card.stage === 'enrolled');
  t.false((await f.accessList()).includes(card.cardNumber), 'not on the access list before the start date');
  t.is(await wifiCredentials(f, member.memberId), 1, 'Wi-Fi credentials made with the card, to set up devices ahead');
  t.false(await radiusAccepts(f, member.memberId), 'but RADIUS refuses them before the first day');

  await skipTo(env, startsAt - 60_000);
  await f.waitForIdle(member.memberId);
  t.false((await f.accessList()).includes(card.cardNumber), 'still not a minute before midnight');

  await skipTo(env, startsAt + 60_000);
  await f.waitForState(member.memberId, 'active from the start date', (v) => v.status === 'active');
  t.true((await f.accessList()).includes(card.cardNumber));
  t.is(await wifiCredentials(f, member.memberId), 1);
  t.true(await radiusAccepts(f, member.memberId), 'RADIUS accepts them from the first day');
  await f.waitForMails(member.email, /accès|access/i);

  await skipTo(env, endsAt + 60_000);
  const report = (await plain.workflow.result(member.handle.workflowId)) as OffboardingReport;
  t.like(report, { removedBy: 'schedule', statusBefore: 'active', card: { number: card.cardNumber, revoked: true }, wifi: { revoked: true } });
  t.false((await f.accessList()).includes(card.cardNumber));
  t.is(await wifiCredentials(f, member.memberId), 0);
  t.false(await radiusAccepts(f, member.memberId), 'and refuses them after the last day');
  const { rows } = await query<{ actor: string }>(f.url, `select actor from audit_event where member_id = $1 and type = 'member.removal_requested'`, [member.memberId]);
  t.deepEqual(rows.map((r) => r.actor), ['schedule']);
  const reports = await f.waitForMails(f.admin.email, new RegExp(`${member.email.split('@')[0]}.*(rapport|report)`, 'i'));
  t.regex(reports[0]!.text, /Sa date de fin \(automatique\)/, 'the report says the end date removed them, in words');
  // The timers were carried across continue-as-new (every 40 events here).
  const lastRun = (await member.handle.describe()).runId;
  t.not(lastRun, firstRun, 'the lifecycle continued as new on the way');
  // Runs from before 'wifi-before-start' are kept as scheduled-invited-started-ended and scheduled-first-run.
  await recordHistory(f.client, 'scheduled-wifi-before-start-ended', member.handle.workflowId);
  await recordHistory(f.client, 'scheduled-wifi-before-start-first-run', member.handle.workflowId, firstRun);
});

test.serial('dates changed mid-way re-plan the lifecycle: an earlier start invites at once, an end brought forward removes then', async (t) => {
  const { env, plain, fixture: f } = await setup();
  const now = await env.currentTimeMs();
  const member = await f.invite({ dates: { startsOn: dateAt(new Date(now + 60 * DAY), PARIS) } });
  t.is((await f.state(member.memberId)).status, 'scheduled');
  const deps = { em: f.orm.em.fork(), lifecycles: f.lifecycles };
  const actor = `member:${f.admin.memberId}`;

  // Later still: the invitation waits for the new date.
  const later = dateAt(new Date(now + 90 * DAY), PARIS);
  await updateMember(deps, { companyId: f.companyId, memberId: member.memberId, startsOn: later, actor, byOperator: true });
  t.is((await f.state(member.memberId)).schedule?.invitationAt, new Date(midnightAt(later, PARIS).getTime() - 7 * DAY).toISOString());

  // Bad dates are refused before anything changes.
  const backwards = await t.throwsAsync(updateMember(deps, { companyId: f.companyId, memberId: member.memberId, endsOn: dateAt(new Date(now + 80 * DAY), PARIS), actor, byOperator: true }), { instanceOf: DomainError });
  t.is(backwards.details.field, 'endsOn');

  // Starting in 3 days: start − 7 days has passed, so the invitation goes out now.
  const soon = dateAt(new Date(now + 3 * DAY), PARIS);
  await updateMember(deps, { companyId: f.companyId, memberId: member.memberId, startsOn: soon, actor, byOperator: true });
  await f.waitForMails(member.email, /vous invite/);
  await f.waitForState(member.memberId, 'invited', (v) => v.status === 'invited');

  // An exact end, two days from now.
  const endsAt = new Date(now + 5 * DAY).toISOString();
  await updateMember(deps, { companyId: f.companyId, memberId: member.memberId, endsAt, actor, byOperator: true });
  t.like(await datesOf(f, member.memberId), { starts_on: soon, ends_on: null });
  t.is((await f.state(member.memberId)).schedule?.endsAt, endsAt);
  const { rows } = await query<{ n: string }>(f.url, `select count(*) as n from audit_event where member_id = $1 and type = 'member.dates_changed'`, [member.memberId]);
  t.is(Number(rows[0]!.n), 3);

  await skipTo(env, Date.parse(endsAt) + 60_000);
  const report = (await plain.workflow.result(member.handle.workflowId)) as OffboardingReport;
  t.like(report, { removedBy: 'schedule', statusBefore: 'invited' });
  await recordHistory(f.client, 'scheduled-dates-changed', member.handle.workflowId);
});

test.serial('removed before the invitation went out: the member hears nothing', async (t) => {
  const { env, plain, fixture: f } = await setup();
  const now = await env.currentTimeMs();
  const member = await f.invite({ dates: { startsOn: dateAt(new Date(now + 40 * DAY), PARIS) } });
  t.is((await f.state(member.memberId)).status, 'scheduled');
  await f.lifecycles.remove(member.memberId, { actor: `member:${f.admin.memberId}` });
  const report = (await plain.workflow.result(member.handle.workflowId)) as OffboardingReport;
  t.like(report, { statusBefore: 'scheduled', emails: { member: 0 } });
  t.is((await f.mailsTo(member.email)).length, 0);
});

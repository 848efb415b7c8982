// Day passes, members without a card, and the purge of old entry events, on Temporal's
// time-skipping test server (the worker, PostgreSQL and SMTP are real): the test moves the clock.
import test from 'ava';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { registerCardUpdate, type OffboardingReport } from '../contract/workflows.ts';
import { decideAtDoor } from '../domain/access/access-list.ts';
import { dateAt, midnightAt, nextDay, zonedTime } from '../domain/time.ts';
import { query } from './helpers/database.ts';
import { recordHistory } from './helpers/lifecycle.ts';
import { timeSkippingWorld, type TimeSkippingWorld } from './helpers/time-skipping.ts';
import { fileScope } from './helpers/scope.ts';

const DAY = 86_400_000;
const PARIS = 'Europe/Paris';
const scope = fileScope();
let shared: Promise<TimeSkippingWorld> | undefined;
const setup = () => (shared ??= timeSkippingWorld(scope));

async function skipTo(env: TestWorkflowEnvironment, at: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (at > now) await env.sleep(at - now);
}

/** A door of the fixture's site, guarding its common zone. */
async function frontDoor(url: string, siteId: string): Promise<string> {
  const { rows } = await query<{ id: string }>(
    url,
    `insert into door_controller (id, site_id, zone_id, name, secret_ciphertext, access_list_version, created_at)
     select gen_random_uuid(), $1, z.id, 'Front door', 'unused', 1, now() from zone z where z.site_id = $1 and z.common returning id`,
    [siteId],
  );
  return rows[0]!.id;
}

test.serial('a day pass opens on its dates only, then is removed automatically after the last', async (t) => {
  const { env, plain, fixture: f } = await setup();
  const door = await frontDoor(f.url, f.siteId);
  const now = await env.currentTimeMs();
  const first = dateAt(new Date(now + 2 * DAY), PARIS);
  const second = dateAt(new Date(now + 4 * DAY), PARIS);
  const card = await f.addCard();
  const member = await f.invite({ name: 'Camille Durand', access: { kind: 'day_pass', dates: [second, first] } });
  const row = (await query<{ kind: string; day_pass_dates: string[]; starts_on: string; ends_on: string }>(f.url, 'select kind, day_pass_dates, starts_on::text, ends_on::text from member where id = $1', [member.memberId])).rows[0]!;
  t.deepEqual(row, { kind: 'day_pass', day_pass_dates: [first, second], starts_on: first, ends_on: second }, 'its first and last dates are its start and end');

  await f.acceptInvitation(member.email);
  const enrolled = await member.handle.executeUpdate(registerCardUpdate, { args: [{ cardNumber: card.cardNumber, actor: `member:${f.admin.memberId}` }] });
  t.like(enrolled, { decision: 'enrolled', access: 'pending_start' });
  const decide = (at: number) => decideAtDoor(f.orm.em.fork(), { siteId: f.siteId, doorControllerId: door, cardNumber: card.cardNumber, at: new Date(at) });
  const noon = (date: string) => zonedTime(`${date}T12:00`, PARIS).getTime();

  await skipTo(env, midnightAt(first, PARIS).getTime() + 60_000);
  await f.waitForState(member.memberId, 'active on the first date', (v) => v.status === 'active');
  t.like(await decide(noon(first)), { granted: true });
  t.like(await decide(noon(nextDay(first))), { granted: false, reason: 'not_a_pass_date' }, 'the day between its dates');
  t.like(await decide(noon(second)), { granted: true });

  await skipTo(env, midnightAt(nextDay(second), PARIS).getTime() + 60_000);
  const report = (await plain.workflow.getHandle(member.handle.workflowId).result()) as OffboardingReport;
  t.like(report, { removedBy: 'schedule', reason: 'end date', card: { number: card.cardNumber, revoked: true } });
  t.like(await decide(noon(second)), { granted: false }, 'its card is revoked');
  t.false((await f.accessList()).includes(card.cardNumber));
  await recordHistory(plain, 'day-pass-removed-after-last-date', member.handle.workflowId);
});

test.serial('a member invited without a registration code is active once the password is set, and never hears of a card', async (t) => {
  const { env, plain, fixture: f } = await setup();
  const member = await f.invite({ access: { card: false } });
  const planned = await f.state(member.memberId);
  t.like(planned, { status: 'invited', cardNeeded: false, card: { overdueAt: null, nextReminderAt: null } });
  await f.acceptInvitation(member.email);
  const active = await f.waitForState(member.memberId, 'active with the password alone', (v) => v.status === 'active');
  t.like(active, { access: { card: false, wifi: true }, card: { stage: 'not_started' } });
  const [welcome] = await f.waitForMails(member.email, /actif|active/i);
  t.regex(welcome!.text, /votre compte est actif/, 'the access e-mail speaks of the account, not of a card');
  t.notRegex(welcome!.text, /carte d'accès n°/);
  // Past every card reminder and the overdue deadline: nothing.
  await skipTo(env, (await env.currentTimeMs()) + 15 * DAY);
  await f.waitForIdle(member.memberId);
  const later = await f.state(member.memberId);
  t.is(later.status, 'active');
  t.false((await f.auditTypes(member.memberId)).includes('card.overdue'));
  t.deepEqual((await f.mailsTo(member.email)).map((m) => m.subject).filter((s) => /carte|card/i.test(s)), [], 'no card reminder');
  t.false((await f.mailsTo(f.admin.email)).some((m) => m.text.includes(member.email) && /retard|overdue/i.test(m.subject)), 'no overdue alert to the admins');
  await recordHistory(plain, 'no-card-member-active', member.handle.workflowId);
});

test.serial('the daily purge drops the entry events older than the retention, counted from its own clock, and audits how many', async (t) => {
  const { env, plain, fixture: f } = await setup();
  const door = await frontDoor(f.url, f.siteId);
  const now = await env.currentTimeMs();
  const insert = (daysAgo: number) =>
    query(f.url, `insert into entry_event (door_controller_id, event_id, site_id, type, card_number, occurred_at, received_at) values ($1, gen_random_uuid(), $2, 'granted', 'P1', $3, now())`, [door, f.siteId, new Date(now - daysAgo * DAY)]);
  await insert(80);
  await insert(10);
  await insert(1);
  const left = async () => (await query<{ n: number }>(f.url, 'select count(*)::int as n from entry_event where door_controller_id = $1', [door])).rows[0]!.n;
  // The plain client: the time-skipping one would skip ahead to other workflows' timers while it waits.
  const run = async () => plain.workflow.execute('purgeExpiredData', { taskQueue: f.taskQueue, workflowId: `purge-${crypto.randomUUID()}`, args: [{ entryEventRetentionDays: 90 }] }) as Promise<{ entryEvents: number }>;

  t.like(await run(), { entryEvents: 0 });
  t.is(await left(), 3, 'nothing is 90 days old yet');
  // Fifteen days on (the test server's clock): the 80-day-old event is now 95 days old.
  await env.sleep(15 * DAY);
  t.like(await run(), { entryEvents: 1 });
  t.is(await left(), 2);
  const { rows } = await query<{ data: { entryEvents: number; settings: { entryEventDays: number } } }>(f.url, `select data from audit_event where type = 'retention.purged' order by id desc limit 1`);
  t.like(rows[0]!.data, { entryEvents: 1, settings: { entryEventDays: 90 } });
});

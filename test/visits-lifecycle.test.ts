// A visit's workflow on Temporal's time-skipping test server (the worker, PostgreSQL and SMTP are
// real): the PIN dies at the end of its day, the visitor is reminded on the morning of a visit
// planned ahead, a cancellation tells them, a walk-in's host answers or the wait runs out, and
// visitors' data is purged after its retention while the visits can still be counted.
import test from 'ava';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { visitWorkflowId } from '../contract/workflows.ts';
import { createVisitGateway } from '../domain/visits/visit-gateway.ts';
import { inviteVisitor, type VisitRequest } from '../domain/visits/invite-visitor.ts';
import { arriveVisits, cancelVisit } from '../domain/visits/visit-changes.ts';
import { dateAt, midnightAt, nextDay, zonedTime } from '../domain/time.ts';
import { query } from './helpers/database.ts';
import { recordHistory } from './helpers/lifecycle.ts';
import { fileScope } from './helpers/scope.ts';
import { timeSkippingWorld, type TimeSkippingWorld } from './helpers/time-skipping.ts';

const DAY = 86_400_000;
const PARIS = 'Europe/Paris';
const scope = fileScope();
let shared: Promise<TimeSkippingWorld> | undefined;
const setup = () => (shared ??= timeSkippingWorld(scope));
let counter = 0;
const visitorEmail = () => `visitor-${++counter}-${Date.now()}@example.net`;

async function skipTo(env: TestWorkflowEnvironment, at: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (at > now) await env.sleep(at - now);
}

async function world() {
  const w = await setup();
  const { fixture: f, plain, env } = w;
  const visits = createVisitGateway({ client: plain, taskQueue: f.taskQueue, approvalWaitMs: 15 * 60_000 });
  const host = await f.invite({ name: 'Camille Durand', locale: 'en' });
  const invite = async (request: Partial<VisitRequest>) =>
    inviteVisitor({ em: f.orm.em.fork(), visits }, { companyId: f.companyId, hostMemberId: host.memberId, kind: 'invited', visitorEmail: visitorEmail(), visitorName: 'Jules Petit', locale: 'en', actor: 'test', ...request }, new Date(await env.currentTimeMs()));
  const result = (visitId: string) => plain.workflow.getHandle(visitWorkflowId(visitId)).result() as Promise<string>;
  const row = async (visitId: string) => (await query<{ status: string; pin_hash: string | null; visitor_email: string }>(f.url, 'select status, pin_hash, visitor_email from visit where id = $1', [visitId])).rows[0]!;
  const webhooks = async (visitId: string) => (await query<{ type: string }>(f.url, `select type from webhook_event where data->'visit'->>'id' = $1 order by seq`, [visitId])).rows.map((r) => r.type);
  return { ...w, f, visits, host, invite, result, row, webhooks };
}

test.serial('a PIN nobody uses dies at the end of its day: visit.expired goes out', async (t) => {
  const { env, f, invite, result, row, webhooks, plain } = await world();
  const visit = await invite({});
  const [mail] = await f.waitForMails(visit.visitor!.email, /entry code/);
  t.regex(mail!.text, /#\d{6}/);
  t.truthy((await row(visit.id)).pin_hash, 'live: its hash is kept');
  await skipTo(env, Date.parse(visit.validUntil) + 60_000);
  t.is(await result(visit.id), 'expired');
  t.like(await row(visit.id), { status: 'expired', pin_hash: null });
  t.deepEqual(await webhooks(visit.id), ['visit.created', 'visit.expired']);
  await recordHistory(plain, 'visit-expired', visitWorkflowId(visit.id));
});

test.serial('invited days ahead: the visitor is reminded on the morning of the visit (without the PIN), then arrives and the host is told', async (t) => {
  const { env, f, host, invite, result, visits, plain } = await world();
  const date = dateAt(new Date((await env.currentTimeMs()) + 3 * DAY), PARIS);
  const visit = await invite({ date, expectedAt: '10:00' });
  await f.waitForMails(visit.visitor!.email, /entry code/);
  await skipTo(env, zonedTime(`${date}T07:31`, PARIS).getTime());
  const [reminder] = await f.waitForMails(visit.visitor!.email, /^Today: your visit/);
  t.notRegex(reminder!.text, /#\d{6}/, 'the reminder does not repeat the PIN');
  t.regex(reminder!.text, /expected at 10:00/);
  // The PIN at the entrance, as a door's upload says it.
  const { rows: [door] } = await query<{ id: string }>(f.url, `insert into door_controller (id, site_id, zone_id, name, secret_ciphertext, access_list_version, created_at) select gen_random_uuid(), $1, z.id, 'Front', 'unused', 1, now() from zone z where z.site_id = $1 and z.common returning id`, [f.siteId]);
  const arrived = await arriveVisits(f.orm.em.fork(), { siteId: f.siteId, doorControllerId: door!.id }, [{ visitId: visit.id, at: zonedTime(`${date}T09:55`, PARIS) }]);
  t.deepEqual(arrived, [visit.id]);
  await visits.arrived(visit.id);
  t.is(await result(visit.id), 'arrived');
  const [told] = await f.waitForMails(host.email, /waiting in the lobby/);
  t.regex(told!.text, /Jules Petit/);
  await recordHistory(plain, 'visit-reminded-then-arrived', visitWorkflowId(visit.id));
});

test.serial('cancelled before its day: the PIN dies at once, the visitor is told, the workflow ends', async (t) => {
  const { env, f, invite, result, row, visits, webhooks, plain } = await world();
  const date = dateAt(new Date((await env.currentTimeMs()) + 2 * DAY), PARIS);
  const visit = await invite({ date });
  await f.waitForMails(visit.visitor!.email, /entry code/);
  await cancelVisit(f.orm.em.fork(), { companyId: f.companyId }, visit.id, 'test');
  t.like(await row(visit.id), { status: 'cancelled', pin_hash: null });
  await visits.cancelled(visit.id);
  t.is(await result(visit.id), 'cancelled');
  await f.waitForMails(visit.visitor!.email, /is cancelled/);
  t.deepEqual(await webhooks(visit.id), ['visit.created', 'visit.cancelled']);
  await recordHistory(plain, 'visit-cancelled', visitWorkflowId(visit.id));
});

test.serial('a walk-in: the host approves (the PIN follows); another host never answers and after 15 minutes the visitor is told', async (t) => {
  const { env, f, host, invite, result, row, visits, plain } = await world();
  const approved = await invite({ kind: 'walk_in', siteId: f.siteId });
  t.is(approved.status, 'awaiting_host');
  const [ask] = await f.waitForMails(host.email, /is asking for you/);
  t.regex(ask!.text, /\/visits\/answer\//);
  t.is(await visits.answerWalkIn(approved.id, true, 'test'), 'approved');
  await f.waitForMails(approved.visitor!.email, /entry code/);
  t.is((await row(approved.id)).status, 'expected');
  t.is(await visits.answerWalkIn(approved.id, false, 'test'), 'too_late', 'answered once');

  const unanswered = await invite({ kind: 'walk_in', siteId: f.siteId });
  await f.waitForMails(host.email, /is asking for you/, 2);
  await skipTo(env, (await env.currentTimeMs()) + 16 * 60_000);
  t.is(await result(unanswered.id), 'unanswered');
  const [declined] = await f.waitForMails(unanswered.visitor!.email, /Your visit to/);
  t.regex(declined!.text, /could not reach/);
  t.is((await row(unanswered.id)).status, 'unanswered');
  t.is(await visits.answerWalkIn(unanswered.id, true, 'test'), 'too_late');
  await recordHistory(plain, 'visit-walk-in-unanswered', visitWorkflowId(unanswered.id));
  // The approved one runs to its day's end.
  await skipTo(env, midnightAt(nextDay(approved.date), PARIS).getTime() + 60_000);
  t.is(await result(approved.id), 'expired');
  await recordHistory(plain, 'visit-walk-in-approved', visitWorkflowId(approved.id));
});

test.serial("visitors' names, addresses and times are purged after their retention; the visits are still counted", async (t) => {
  const { env, f, host, plain } = await world();
  const now = await env.currentTimeMs();
  const insert = (daysAgo: number) =>
    query<{ id: string }>(
      f.url,
      `insert into visit (id, site_id, organization_id, host_id, kind, status, visitor_name, visitor_email, locale, date, expected_at, message, valid_from, valid_until, created_by, created_at, arrived_at)
       values (gen_random_uuid(), $1, $2, $3, 'invited', 'arrived', 'Old Visitor', 'old@example.net', 'en', $4::date, '10:00', 'hello', now(), now(), 'test', now(), now()) returning id`,
      [f.siteId, f.companyId, host.memberId, dateAt(new Date(now - daysAgo * DAY), PARIS)],
    );
  const old = (await insert(95)).rows[0]!.id;
  const recent = (await insert(30)).rows[0]!.id;
  // The e-mails of the old visit: the visitor's (their address) and the host's.
  const outbox = (key: string, to: string) =>
    query(f.url, `insert into email_outbox (id, key, organization_id, member_id, to_address, template, locale, data, status, attempts, created_at) values (gen_random_uuid(), $1, $2, $3, $4, 'visit_invitation', 'en', '{}', 'sent', 1, now())`, [key, f.companyId, host.memberId, to]);
  await outbox(`visit-${old}/pin`, 'old@example.net');
  await outbox(`visit-${old}/arrived`, host.email);
  const workflowId = `purge-${crypto.randomUUID()}`;
  const purged = (await plain.workflow.execute('purgeExpiredData', { taskQueue: f.taskQueue, workflowId, args: [{ entryEventRetentionDays: 90, visitorRetentionDays: 90 }] })) as { visits: number };
  t.true(purged.visits >= 1);
  const rows = await query<{ id: string; visitor_name: string | null; visitor_email: string | null; message: string | null; arrived_at: Date | null; status: string }>(f.url, 'select id, visitor_name, visitor_email, message, arrived_at, status from visit where id = any($1)', [[old, recent]]);
  t.like(rows.rows.find((r) => r.id === old), { visitor_name: null, visitor_email: null, message: null, arrived_at: null, status: 'arrived' });
  t.like(rows.rows.find((r) => r.id === recent), { visitor_name: 'Old Visitor', visitor_email: 'old@example.net' });
  t.is((await query(f.url, 'select 1 from visit where host_id = $1 and id = any($2)', [host.memberId, [old, recent]])).rowCount, 2, 'counted still');
  const { rows: left } = await query<{ to_address: string }>(f.url, `select to_address from email_outbox where key like $1`, [`visit-${old}/%`]);
  t.deepEqual(left.map((r) => r.to_address), [host.email], "the visitor's e-mails are gone, the host's stay");
  const { rows: [audit] } = await query<{ data: { visits: number; settings: { visitorDays: number } } }>(f.url, `select data from audit_event where type = 'retention.purged' order by id desc limit 1`);
  t.like(audit!.data, { settings: { visitorDays: 90 } });
  t.true(audit!.data.visits >= 1);
  await recordHistory(plain, 'purge-per-operator', workflowId);
});

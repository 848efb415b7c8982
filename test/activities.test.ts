// The lifecycle's activities on their own, in Temporal's MockActivityEnvironment, with the real
// database and SMTP catcher: what a retried attempt does, and what is refused rather than failed.
import { randomBytes, randomUUID } from 'node:crypto';
import test from 'ava';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities/index.ts';
import { isDataError } from '../activities/data-errors.ts';
import { qrTokenFrom } from '../domain/cards/qr-token.ts';
import { createCompanyAtSite } from '../domain/companies/create-company.ts';
import { PermanentMailError, type Mailer } from '../mail/mailer.ts';
import { openMailbox } from '../services/mail-catcher.ts';
import { insertMember, migratedOrm, query } from './helpers/database.ts';
import { testEnv } from './helpers/env.ts';
import { fileScope } from './helpers/scope.ts';
import { testActivities } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
const mailbox = openMailbox(testEnv.mailDir);
const tag = () => randomBytes(4).toString('hex');

let shared: Promise<Awaited<ReturnType<typeof build>>> | undefined;
async function build() {
  const { orm, url } = await migratedOrm(scope);
  const org = await createCompanyAtSite(orm.em.fork(), { name: 'Acme', adminEmail: `admin-${tag()}@acme.test`, siteName: `Paris ${tag()}`, actor: 'test' });
  const { deps, activities } = await testActivities(scope, orm);
  return { orm, url, org, deps, activities };
}
const setup = () => (shared ??= build());


/** An activity attempt as Temporal would run it, inside a workflow's context. */
function attempt(attemptNumber = 1) {
  const env = new MockActivityEnvironment({ attempt: attemptNumber, scheduledTimestampMs: Date.now(), workflowExecution: { workflowId: 'member-test', runId: randomUUID() } });
  return { run: <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> => env.run(fn as never, ...args) as Promise<R> };
}

test('qrTokenFrom reads a bare token or a link to it, and nothing else', (t) => {
  t.is(qrTokenFrom('3f2a9c0e-1111-4222-8333-944455556666'), '3f2a9c0e-1111-4222-8333-944455556666');
  t.is(qrTokenFrom('https://cards.example/c/AbC-123_xyz'), 'AbC-123_xyz');
  t.is(qrTokenFrom('https://cards.example/scan?c=AbC-123_xyz'), 'AbC-123_xyz');
  t.is(qrTokenFrom('  tok-en-42  '), 'tok-en-42');
  t.is(qrTokenFrom('short'), undefined);
  t.is(qrTokenFrom('<script>alert(1)</script>'), undefined);
  t.is(qrTokenFrom('https://'), undefined);
});

test('sendEmail retried after success sends nothing more: one outbox row, one message', async (t) => {
  const { activities, org, url } = await setup();
  const member = await insertMember(url, org);
  const input = { key: `member-test/${tag()}/card-reminder/1`, companyId: org.companyId, memberId: member.memberId, to: 'member' as const, template: 'card_reminder' as const };

  t.deepEqual(await attempt(1).run(activities.sendEmail, input), { sent: 1, failed: 0 });
  t.deepEqual(await attempt(2).run(activities.sendEmail, input), { sent: 1, failed: 0 }, 'the retry reports what was done');

  const { rows } = await query<{ status: string; attempts: number }>(url, 'select status, attempts from email_outbox where key = $1', [input.key]);
  t.deepEqual(rows, [{ status: 'sent', attempts: 1 }]);
  const mails = await waitFor('the reminder', async () => {
    const list = await mailbox.list({ to: member.email });
    return list.length ? list : undefined;
  });
  t.is(mails.length, 1);
  t.is(mails[0]!.subject, 'Reminder: your access card is not registered yet');
});

test('sendEmail: a transient SMTP failure is retried; a permanent refusal is recorded, not retried', async (t) => {
  const { deps, org, url } = await setup();
  const member = await insertMember(url, org);
  let calls = 0;
  const flaky: Mailer = {
    async send(email) {
      calls++;
      if (calls === 1) throw new Error('connect ECONNREFUSED');
      return deps.mailer.send(email);
    },
    close() {},
  };
  const activities = createActivities({ ...deps, mailer: flaky });
  const input = { key: `member-test/${tag()}/card-reminder/1`, companyId: org.companyId, memberId: member.memberId, to: 'member' as const, template: 'card_reminder' as const };
  await t.throwsAsync(attempt(1).run(activities.sendEmail, input), { message: /ECONNREFUSED/ });
  t.deepEqual(await attempt(2).run(activities.sendEmail, input), { sent: 1, failed: 0 });
  t.is(calls, 2);

  const refusing = createActivities({ ...deps, mailer: { send: async () => { throw new PermanentMailError('550 mailbox unavailable'); }, close() {} } });
  const bounced = { ...input, key: `member-test/${tag()}/card-reminder/2` };
  t.deepEqual(await attempt(1).run(refusing.sendEmail, bounced), { sent: 0, failed: 1 });
  t.deepEqual(await attempt(2).run(refusing.sendEmail, bounced), { sent: 0, failed: 1 });
  const { rows } = await query<{ status: string; attempts: number; last_error: string }>(url, 'select status, attempts, last_error from email_outbox where key = $1', [bounced.key]);
  t.deepEqual(rows, [{ status: 'failed', attempts: 1, last_error: '550 mailbox unavailable' }]);
  const { rows: audit } = await query<{ type: string }>(url, `select type from audit_event where idempotency_key = $1`, [`${bounced.key}/audit`]);
  t.deepEqual(audit.map((a) => a.type), ['email.failed']);
});

test('enrollCard retried returns the first answer and writes one audit event; a card held by another member is refused', async (t) => {
  const { activities, org, url } = await setup();
  const [alice, bob] = [await insertMember(url, org), await insertMember(url, org)];
  const number = `C${tag()}`;
  await query(url, `insert into card (id, site_id, number, qr_token, state, created_at) values (gen_random_uuid(), $1, $2, $3, 'stock', now())`, [org.siteId, number, randomUUID()]);
  const input = { memberId: alice.memberId, companyId: org.companyId, siteId: org.siteId, method: 'admin' as const, cardNumber: number, actor: 'test', key: `k-${tag()}` };

  const first = await attempt(1).run(activities.enrollCard, input);
  const retry = await attempt(2).run(activities.enrollCard, input);
  t.is(first.decision, 'enrolled');
  t.deepEqual(retry, first);
  const { rows } = await query(url, `select 1 from audit_event where member_id = $1 and type = 'card.registered'`, [alice.memberId]);
  t.is(rows.length, 1);

  const taken = await attempt(1).run(activities.enrollCard, { ...input, memberId: bob.memberId, key: `k-${tag()}` });
  t.deepEqual(taken, { decision: 'rejected', reason: 'card_already_assigned' });
});

test('claimRemoval refuses the last admin as an answer and changes nothing', async (t) => {
  const { activities, org, url } = await setup();
  const refusal = await attempt().run(activities.claimRemoval, { memberId: org.adminMemberId, companyId: org.companyId, actor: 'test', reason: null, key: `k-${tag()}` });
  t.like(refusal, { refused: 'LastAdmin' });
  const { rows } = await query<{ status: string }>(url, 'select status from member where id = $1', [org.adminMemberId]);
  t.not(rows[0]!.status, 'removed');
});

test('PINs are * + 4 digits, stable for a member, and distinct among a site’s pending enrollments', async (t) => {
  const { activities, org, url } = await setup();
  const members = await Promise.all(Array.from({ length: 25 }, () => insertMember(url, org)));
  const pins = await Promise.all(
    members.map((m) => attempt().run(activities.reserveEnrollmentPin, { memberId: m.memberId, companyId: org.companyId, siteId: org.siteId, actor: 'test', key: `k-${tag()}` })),
  );
  for (const { pin } of pins) t.regex(pin, /^\*\d{4}$/);
  t.is(new Set(pins.map((p) => p.pin)).size, pins.length);
  const again = await attempt(2).run(activities.reserveEnrollmentPin, { memberId: members[0]!.memberId, companyId: org.companyId, siteId: org.siteId, actor: 'test', key: `k-${tag()}` });
  t.is(again.pin, pins[0]!.pin);
});

test('issueInvitation: a retry keeps one token; a new token kills the older one', async (t) => {
  const { activities, org, url } = await setup();
  const member = await insertMember(url, org);
  const first = { memberId: member.memberId, companyId: org.companyId, tokenId: randomUUID(), expiresAt: new Date(Date.now() + 86_400_000).toISOString(), resend: false, actor: 'test', key: `k-${tag()}` };
  await attempt(1).run(activities.issueInvitation, first);
  await attempt(2).run(activities.issueInvitation, first);
  const second = { ...first, tokenId: randomUUID(), resend: true, key: `k-${tag()}` };
  await attempt(1).run(activities.issueInvitation, second);
  const { rows } = await query<{ id: string; revoked: boolean }>(url, `select id, revoked_at is not null as revoked from auth_token where member_id = $1 order by created_at`, [member.memberId]);
  t.deepEqual(rows, [{ id: first.tokenId, revoked: true }, { id: second.tokenId, revoked: false }]);
});

test('data PostgreSQL refuses (a NUL byte) fails at once and for good: no retry can cure it, so none holds the lifecycle', async (t) => {
  const { activities, org, url } = await setup();
  const member = await insertMember(url, org);
  const poisoned = { memberId: member.memberId, companyId: org.companyId, actor: 'api-key:hr', reason: 'left\u0000', key: `member-test/${tag()}/removal/1` };
  const failure = await t.throwsAsync(attempt(1).run(activities.claimRemoval, poisoned));
  t.like(failure, { name: 'ApplicationFailure', type: 'InvalidData', nonRetryable: true });
  t.regex(failure!.message, /claimRemoval: the database refused the data \(SQLSTATE 22/);
  const { rows: [row] } = await query<{ status: string; removed_at: Date | null }>(url, 'select status, removed_at from member where id = $1', [member.memberId]);
  t.not(row!.status, 'removed', 'the transaction left nothing behind');
  t.is(row!.removed_at, null);
  // A connection that is simply gone stays retryable.
  t.false(isDataError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
  t.true(isDataError({ message: 'wrapped', cause: { code: '22021' } }));
});

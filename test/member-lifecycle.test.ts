// The lifecycle on the real Temporal dev server, a real worker, PostgreSQL and SMTP. Timers are
// days long here so none fires: the day-long timers are exercised on the time-skipping server
// (member-lifecycle-timers.test.ts).
import { spawnSync } from 'node:child_process';
import test from 'ava';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { DomainError } from '../domain/errors.ts';
import { acceptInvitation } from '../domain/members/accept-invitation.ts';
import { startLifecycleSweep } from '../worker/lifecycle-sweep.ts';
import { createSecrets } from '../domain/secrets.ts';
import { onLifecycle } from '../domain/members/lifecycle.ts';
import {
  changeRoleUpdate,
  confirmCardUpdate,
  enrollAtDoorUpdate,
  registerCardUpdate,
  removeUpdate,
  replaceCardUpdate,
  scanQrUpdate,
  wizardClosedSignal,
} from '../contract/workflows.ts';
import { MemberStatusKey } from '../contract/workflows.ts';
import { migratedOrm, query } from './helpers/database.ts';
import { testEnv } from './helpers/env.ts';
import { createFixture, defaultDurations, recordHistory, type Fixture } from './helpers/lifecycle.ts';
import { startWorker, temporalClient, TEST_SECRET_KEY, uniqueTaskQueue } from './helpers/temporal.ts';
import { fileScope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';

// One company, one worker and one task queue for the whole file; each test has its own members.
const scope = fileScope();
let shared: Promise<Fixture> | undefined;
const fixture = () =>
  (shared ??= (async () => {
    const { orm, url } = await migratedOrm(scope);
    const taskQueue = uniqueTaskQueue();
    await startWorker(scope, { orm, taskQueue });
    return createFixture(scope, { orm, url, client: await temporalClient(scope), taskQueue });
  })());

/** Invite, accept the e-mailed link: the member waits for a card. */
async function memberAwaitingCard(f: Fixture, options: Parameters<Fixture['invite']>[0] = {}) {
  const member = await f.invite(options);
  await f.acceptInvitation(member.email);
  await f.waitForState(member.memberId, 'awaiting_card', (v) => v.status === 'awaiting_card');
  return member;
}

test('QR enrollment: invitation → password → PIN → QR scan → active, with the card on the access list and Wi-Fi in the e-mail', async (t) => {
  const f = await fixture();
  const card = await f.addCard();
  const member = await f.invite({ locale: 'en' });

  const [invitation] = await f.waitForMails(member.email, /invites you/);
  t.regex(invitation!.text, /http:\/\/onboarding\.test\/invitations\//);
  t.is((await f.state(member.memberId)).status, 'invited');

  await f.acceptInvitation(member.email);
  await f.waitForState(member.memberId, 'awaiting_card after the password', (v) => v.status === 'awaiting_card' && v.account.stage === 'password_set');

  const { pin } = await member.handle.executeUpdate(confirmCardUpdate, { args: [{ actor: `member:${member.memberId}` }] });
  t.regex(pin, /^\*\d{4}$/);
  t.is((await f.state(member.memberId)).card.pin, pin);

  const result = await member.handle.executeUpdate(scanQrUpdate, { args: [{ payload: card.qrPayload, actor: `member:${member.memberId}` }] });
  t.deepEqual(result, { decision: 'enrolled', cardId: card.cardId, cardNumber: card.cardNumber, access: 'granted' });

  const active = await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');
  t.deepEqual(active.access, { card: true, wifi: true });
  t.is(active.card.pin, null, 'the PIN is gone once used');
  t.true((await f.accessList()).includes(card.cardNumber));
  t.is((await f.memberRow(member.memberId)).status, 'active');
  t.is((await f.memberRow(member.memberId)).enrollment_pin, null);

  const [activeMail] = await f.waitForMails(member.email, /access is active/);
  t.regex(activeMail!.text, new RegExp(card.cardNumber));
  const { rows: wifi } = await query<{ username: string }>(f.url, 'select username from wifi_credential where member_id = $1 and revoked_at is null', [member.memberId]);
  t.is(wifi.length, 1);
  t.regex(activeMail!.text, new RegExp(`Username: ${wifi[0]!.username}\\n`));
  // The password is on the profile, never in an e-mail (read on lock screens, kept in mailboxes).
  t.notRegex(activeMail!.text, /Password:/);
  t.regex(activeMail!.text, /read it on your profile[\s\S]*\/me\b/);

  const description = await member.handle.describe();
  t.is(description.typedSearchAttributes.get(MemberStatusKey), 'active');
  await recordHistory(f.client, 'qr-enrollment', member.handle.workflowId);
  t.deepEqual(
    (await f.auditTypes(member.memberId)).filter((type) => !type.startsWith('email.')),
    [
      'member.invited',
      'lifecycle.started',
      'invitation.issued',
      'account.password_created',
      'member.status_changed',
      'card.enrollment_pin_revealed',
      'card.registered',
      'access.card_granted',
      'access.wifi_granted',
      'member.status_changed',
    ],
  );
});

test('door enrollment: a wrong PIN, an unknown card and a card of another site are rejected; the right PIN + card enrolls', async (t) => {
  const f = await fixture();
  const card = await f.addCard();
  const lyonCard = await f.addCard(f.otherSiteId);
  const member = await memberAwaitingCard(f);
  const door = { doorControllerId: 'd-1' };

  const early = await t.throwsAsync(member.handle.executeUpdate(enrollAtDoorUpdate, { args: [{ pin: '*0000', cardNumber: card.cardNumber, ...door }] }));
  t.is((early as WorkflowUpdateFailedError).cause?.message, 'the member has not revealed a PIN yet');

  const { pin } = await member.handle.executeUpdate(confirmCardUpdate, { args: [{ actor: `member:${member.memberId}` }] });
  const wrongPin = pin === '*9999' ? '*9998' : '*9999';
  const wrong = await t.throwsAsync(
    onLifecycle(member.memberId, () => member.handle.executeUpdate(enrollAtDoorUpdate, { args: [{ pin: wrongPin, cardNumber: card.cardNumber, ...door }] })),
    { instanceOf: DomainError },
  );
  t.is(wrong.code, 'wrong_pin');

  t.deepEqual(await member.handle.executeUpdate(enrollAtDoorUpdate, { args: [{ pin, cardNumber: 'NOT-A-CARD', ...door }] }), { decision: 'rejected', reason: 'unknown_card' });
  t.deepEqual(await member.handle.executeUpdate(enrollAtDoorUpdate, { args: [{ pin, cardNumber: lyonCard.cardNumber, ...door }] }), {
    decision: 'rejected',
    reason: 'card_of_another_site',
  });
  t.is((await f.state(member.memberId)).card.stage, 'pin_revealed', 'rejections leave the enrollment pending');

  const enrolled = await member.handle.executeUpdate(enrollAtDoorUpdate, { args: [{ pin, cardNumber: card.cardNumber, ...door }] });
  t.is(enrolled.decision, 'enrolled');
  const active = await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');
  t.is(active.card.method, 'door');
  t.true((await f.accessList()).includes(card.cardNumber));
  t.false((await f.accessList(f.otherSiteId)).includes(lyonCard.cardNumber));
  const types = await f.auditTypes(member.memberId);
  t.is(types.filter((x) => x === 'card.registration_rejected').length, 2);

  const again = await t.throwsAsync(member.handle.executeUpdate(enrollAtDoorUpdate, { args: [{ pin, cardNumber: card.cardNumber, ...door }] }));
  t.regex((again as WorkflowUpdateFailedError).cause?.message ?? '', /already has a registered card/);
  await recordHistory(f.client, 'door-enrollment-with-rejections', member.handle.workflowId);
});

test('closing the wizard at step 1 and at step 2 each sends exactly one instructions e-mail with the PIN and the link', async (t) => {
  const f = await fixture();
  const member = await memberAwaitingCard(f);

  await member.handle.signal(wizardClosedSignal, { step: 1, closeId: 'close-a' });
  const [first] = await f.waitForMails(member.email, /Enregistrez votre carte d'accès/, 1);
  const { pin } = await member.handle.executeUpdate(confirmCardUpdate, { args: [{ actor: `member:${member.memberId}` }] });
  t.true(first!.text.includes(pin), 'closing at step 1 reserved the PIN the wizard now shows');
  t.regex(first!.text, /Enregistrer ma carte : http:\/\/onboarding\.test\/card\b/);

  await member.handle.signal(wizardClosedSignal, { step: 2, closeId: 'close-b' });
  // A repeated delivery of the same close (a double click, a retried request) adds nothing.
  await member.handle.signal(wizardClosedSignal, { step: 2, closeId: 'close-b' });
  await member.handle.signal(wizardClosedSignal, { step: 1, closeId: 'close-c' });
  const mails = await f.waitForMails(member.email, /Enregistrez votre carte d'accès/, 3);
  t.true(mails.every((m) => m.text.includes(pin)));
  // Every signal above is in the history; once nothing is left to run, every close was answered.
  await f.waitForIdle(member.memberId);

  const { rows } = await query<{ n: string }>(f.url, `select count(*) as n from email_outbox where member_id = $1 and template = 'card_instructions'`, [member.memberId]);
  t.is(Number(rows[0]!.n), 3, 'one e-mail per close: a, b, c, none for the repeated b');
  t.is((await f.mailsTo(member.email)).filter((m) => /Enregistrez votre carte d'accès/.test(m.subject)).length, 3);
  await recordHistory(f.client, 'wizard-closed-twice', member.handle.workflowId);
});

test('an admin registers a card before the password exists; the member is active as soon as the password is set', async (t) => {
  const f = await fixture();
  const card = await f.addCard();
  const member = await f.invite();
  await f.waitForMails(member.email, /vous invite/);

  const result = await member.handle.executeUpdate(registerCardUpdate, { args: [{ cardNumber: card.cardNumber, actor: `member:${f.admin.memberId}` }] });
  t.is(result.decision, 'enrolled');
  const before = await f.state(member.memberId);
  t.is(before.status, 'invited');
  t.is(before.card.stage, 'enrolled');
  t.false((await f.accessList()).includes(card.cardNumber), 'no door access before the account exists');

  await f.acceptInvitation(member.email);
  const active = await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');
  t.is(active.card.method, 'admin');
  t.true((await f.accessList()).includes(card.cardNumber));
  await recordHistory(f.client, 'admin-registers-card-before-password', member.handle.workflowId);
});

test('removal while invited: the link dies, the member and the admins are told, the workflow ends with the report', async (t) => {
  const f = await fixture();
  const member = await f.invite();
  const [invitation] = await f.waitForMails(member.email, /vous invite/);

  t.deepEqual(await member.handle.executeUpdate(removeUpdate, { args: [{ actor: `member:${f.admin.memberId}`, reason: 'left before starting' }] }), { status: 'removed' });
  const report = await member.handle.result();
  t.like(report, { memberId: member.memberId, statusBefore: 'invited', removedBy: `member:${f.admin.memberId}`, reason: 'left before starting', card: null, credentialsRevoked: 1 });
  t.deepEqual(report.emails, { member: 1, admins: 1 });

  await f.waitForMails(member.email, /a été retiré/);
  const [adminReport] = await f.waitForMails(f.admin.email, new RegExp(`Départ de Member ${member.email.split('@')[0]}`));
  t.regex(adminReport!.text, /Statut avant le départ : invitation envoyée/);

  const link = decodeURIComponent(/\/invitations\/(\S+)/.exec(invitation!.text)![1]!);
  const refused = await t.throwsAsync(acceptInvitation({ em: f.orm.em.fork(), lifecycles: f.lifecycles, secrets: createSecrets(TEST_SECRET_KEY) }, { token: link, password: 'long enough password' }), { instanceOf: DomainError });
  t.is(refused.code, 'invitation_invalid');

  const row = await f.memberRow(member.memberId);
  t.is(row.status, 'removed');
  t.truthy(row.removed_at);
  t.is((await member.handle.describe()).status.name, 'COMPLETED');
  t.is((await member.handle.describe()).typedSearchAttributes.get(MemberStatusKey), 'removed');
  const types = await f.auditTypes(member.memberId);
  t.deepEqual(types.slice(-1), ['member.removed']);
  t.true(types.includes('member.removal_requested') && types.includes('member.credentials_revoked'));
  await recordHistory(f.client, 'removed-while-invited', member.handle.workflowId);
});

test('removal while waiting for a card releases the PIN and ends the pending enrollment', async (t) => {
  const f = await fixture();
  const member = await memberAwaitingCard(f);
  await member.handle.executeUpdate(confirmCardUpdate, { args: [{ actor: `member:${member.memberId}` }] });
  t.truthy((await f.memberRow(member.memberId)).enrollment_pin);

  await member.handle.executeUpdate(removeUpdate, { args: [{ actor: `member:${f.admin.memberId}` }] });
  const report = await member.handle.result();
  t.is(report.statusBefore, 'awaiting_card');
  const row = await f.memberRow(member.memberId);
  t.is(row.enrollment_pin, null);
  t.is(row.password_hash, null);
});

test('removal while active: the card leaves the access list and is revoked, Wi-Fi is revoked', async (t) => {
  const f = await fixture();
  const card = await f.addCard();
  const member = await memberAwaitingCard(f);
  await member.handle.executeUpdate(registerCardUpdate, { args: [{ cardNumber: card.cardNumber, actor: `member:${f.admin.memberId}` }] });
  await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');
  const { rows: [siteBefore] } = await query<{ access_list_version: number }>(f.url, 'select access_list_version from site where id = $1', [f.siteId]);

  await member.handle.executeUpdate(removeUpdate, { args: [{ actor: 'api-key:hr' }] });
  const report = await member.handle.result();
  t.like(report, { statusBefore: 'active', card: { number: card.cardNumber, revoked: true }, wifi: { revoked: true } });

  t.false((await f.accessList()).includes(card.cardNumber));
  const { rows: [cardRow] } = await query<{ state: string }>(f.url, 'select state from card where id = $1', [card.cardId]);
  t.is(cardRow!.state, 'revoked');
  const { rows: [siteAfter] } = await query<{ access_list_version: number }>(f.url, 'select access_list_version from site where id = $1', [f.siteId]);
  t.true(siteAfter!.access_list_version > siteBefore!.access_list_version, 'door controllers see a new access list version');
  const { rows: wifi } = await query(f.url, 'select 1 from wifi_credential where member_id = $1 and revoked_at is null', [member.memberId]);
  t.is(wifi.length, 0);
  await recordHistory(f.client, 'removed-while-active', member.handle.workflowId);
});

test('a password whose signal was lost (Temporal unreachable after it was stored) reaches the lifecycle by the workers\' sweep', async (t) => {
  const f = await fixture();
  const lost = await f.invite();
  const fresh = await f.invite();
  await f.waitForState(lost.memberId, 'invited', (v) => v.status === 'invited');
  await f.waitForState(fresh.memberId, 'invited', (v) => v.status === 'invited');
  await waitFor('both rows to have their run', async () => (await f.memberRow(lost.memberId)).workflow_run_id && (await f.memberRow(fresh.memberId)).workflow_run_id);
  // What acceptInvitation stores before it signals; the signal never went out. One of them stored
  // it two minutes ago, the other just now (its request may still be signalling).
  await query(f.url, `update member set password_hash = 'stored', updated_at = now() - interval '2 minutes' where id = $1`, [lost.memberId]);
  await query(f.url, `update member set password_hash = 'stored', updated_at = now() where id = $1`, [fresh.memberId]);

  // Only the password half: the other half would start the lifecycle of other tests' first admins,
  // which one test here expects start-up recovery to find waiting.
  const sweep = startLifecycleSweep({ em: () => f.orm.em.fork(), lifecycles: { startWaiting: async () => [], tellPasswordsSet: f.lifecycles.tellPasswordsSet }, everyMs: 200 });
  t.teardown(() => sweep.stop());
  await f.waitForState(lost.memberId, 'awaiting_card', (v) => v.status === 'awaiting_card');
  t.is((await f.state(fresh.memberId)).status, 'invited', 'a password younger than a minute is left to its own request');
  t.deepEqual(await f.lifecycles.tellPasswordsSet(f.orm.em.fork(), { olderThanMs: 60_000 }), [], 'a told lifecycle is not told again');
});

test('the last admin can be neither removed nor demoted; once another admin exists, they can', async (t) => {
  const shared = await fixture();
  // A company of its own: the other tests' admins must not count here.
  const f = await createFixture(t, { orm: shared.orm, url: shared.url, client: shared.client, taskQueue: shared.taskQueue });
  // org:create made the first admin without a lifecycle; start-up recovery gives them one.
  const started = await f.lifecycles.startWaiting(f.orm.em.fork());
  t.true(started.includes(f.admin.memberId));
  const admin = f.lifecycles.handle(f.admin.memberId);
  await f.waitForMails(f.admin.email, /vous invite/);

  const removal = await t.throwsAsync(onLifecycle(f.admin.memberId, () => admin.executeUpdate(removeUpdate, { args: [{ actor: 'api-key:hr' }] })), { instanceOf: DomainError });
  t.is(removal.code, 'last_admin');
  t.regex(removal.message, /last administrator/);
  const demotion = await t.throwsAsync(onLifecycle(f.admin.memberId, () => admin.executeUpdate(changeRoleUpdate, { args: [{ role: 'user', actor: 'api-key:hr' }] })), { instanceOf: DomainError });
  t.is(demotion.code, 'last_admin');
  t.is((await f.state(f.admin.memberId)).status, 'invited', 'the refused removal changed nothing');
  t.is((await f.memberRow(f.admin.memberId)).role, 'admin');

  const second = await f.invite({ role: 'admin' });
  await admin.executeUpdate(removeUpdate, { args: [{ actor: `member:${second.memberId}` }] });
  t.is((await admin.result()).statusBefore, 'invited');
  const last = await t.throwsAsync(onLifecycle(second.memberId, () => second.handle.executeUpdate(removeUpdate, { args: [{ actor: 'api-key:hr' }] })), { instanceOf: DomainError });
  t.is(last.code, 'last_admin');
  await recordHistory(f.client, 'last-admin-refused-then-removed', admin.workflowId);
});

test('role change and card replacement are handled by the running workflow', async (t) => {
  const shared = await fixture();
  // A company of its own: the admin it makes would otherwise receive the reports of other tests' removals.
  const f = await createFixture(t, { orm: shared.orm, url: shared.url, client: shared.client, taskQueue: shared.taskQueue });
  const [first, second, elsewhere] = [await f.addCard(), await f.addCard(), await f.addCard(f.otherSiteId)];
  const member = await memberAwaitingCard(f);
  await member.handle.executeUpdate(scanQrUpdate, { args: [{ payload: first.qrPayload, actor: `member:${member.memberId}` }] });
  await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');

  t.deepEqual(await member.handle.executeUpdate(changeRoleUpdate, { args: [{ role: 'admin', actor: `member:${f.admin.memberId}` }] }), { role: 'admin' });
  t.is((await f.state(member.memberId)).role, 'admin');
  t.is((await f.memberRow(member.memberId)).role, 'admin');

  t.deepEqual(await member.handle.executeUpdate(replaceCardUpdate, { args: [{ cardNumber: elsewhere.cardNumber, actor: 'api-key:hr' }] }), {
    decision: 'rejected',
    reason: 'card_of_another_site',
  });
  const replaced = await member.handle.executeUpdate(replaceCardUpdate, { args: [{ cardNumber: second.cardNumber, actor: 'api-key:hr' }] });
  t.is(replaced.decision, 'enrolled');
  const list = await f.accessList();
  t.true(list.includes(second.cardNumber));
  t.false(list.includes(first.cardNumber));
  const state = await f.state(member.memberId);
  t.is(state.card.cardNumber, second.cardNumber);
  t.is(state.status, 'active');
  t.is((await member.handle.describe()).status.name, 'RUNNING');
  await recordHistory(f.client, 'role-change-and-card-replacement', member.handle.workflowId);
});

test('re-inviting a removed member starts a new run of the same workflow id; both runs stay in the history', async (t) => {
  const f = await fixture();
  const member = await f.invite();
  await f.waitForMails(member.email, /vous invite/);
  await member.handle.executeUpdate(removeUpdate, { args: [{ actor: 'api-key:hr' }] });
  await member.handle.result();
  const firstRun = (await member.handle.describe()).runId;

  const again = await f.invite({ email: member.email });
  t.is(again.memberId, member.memberId, 'the same member row');
  await f.waitForMails(member.email, /vous invite/, 2);
  const secondRun = (await again.handle.describe()).runId;
  t.not(secondRun, firstRun);
  t.is((await f.state(member.memberId)).status, 'invited');

  const runs = [];
  for await (const run of f.client.workflow.list({ query: `WorkflowId = 'member-${member.memberId}'` })) runs.push(run);
  t.is(runs.length, 2);
  t.deepEqual(runs.map((r) => r.status.name).sort(), ['COMPLETED', 'RUNNING']);
  const types = await f.auditTypes(member.memberId);
  t.true(types.includes('member.reinvited'));
  t.is(types.filter((x) => x === 'lifecycle.started').length, 2);

  const duplicate = await t.throwsAsync(f.invite({ email: member.email }), { instanceOf: DomainError });
  t.is(duplicate.code, 'member_exists');
  t.is(duplicate.details.memberId, member.memberId);
  await recordHistory(f.client, 'reinvited-first-run', member.handle.workflowId, firstRun);
  await recordHistory(f.client, 'reinvited-second-run', member.handle.workflowId, secondRun);
});

test('the stock CLI query works: members are listed by MemberStatus and OrganizationId', async (t) => {
  const f = await fixture();
  const member = await memberAwaitingCard(f);
  const listQuery = `MemberStatus='awaiting_card' AND OrganizationId='${f.companyId}'`;
  const found = await waitFor('the member listed as awaiting_card', async () => {
    const ids: string[] = [];
    for await (const run of f.client.workflow.list({ query: listQuery })) ids.push(run.workflowId);
    return ids.includes(`member-${member.memberId}`) ? ids : undefined;
  });
  t.true(found.includes(`member-${member.memberId}`));

  // The very command an operator types, with the Temporal CLI the tests run.
  const cli = spawnSync(testEnv.temporalCli ?? 'temporal', ['workflow', 'list', '--address', testEnv.temporalAddress, '--query', listQuery, '--output', 'json'], { encoding: 'utf8' });
  t.is(cli.status, 0, cli.stderr);
  t.true(cli.stdout.includes(`member-${member.memberId}`));
});

test('a company’s own durations apply to the lifecycles it starts', async (t) => {
  const shared = await fixture();
  const f = await createFixture(t, { orm: shared.orm, url: shared.url, client: shared.client, taskQueue: shared.taskQueue });
  await query(f.url, `update organization set lifecycle_overrides = $1 where id = $2`, [JSON.stringify({ invitationExpiresAfterMs: 3 * 86_400_000, cardOverdueAfterMs: 5 * 86_400_000 }), f.companyId]);
  const before = Date.now();
  const member = await f.invite({ durations: defaultDurations });
  const state = await f.waitForState(member.memberId, 'the first invitation', (v) => v.account.invitationExpiresAt !== null);
  const days = (iso: string | null) => (Date.parse(iso!) - before) / 86_400_000;
  t.true(Math.abs(days(state.account.invitationExpiresAt) - 3) < 0.01, `expires after 3 days (${state.account.invitationExpiresAt})`);
  t.true(Math.abs(days(state.card.overdueAt) - 5) < 0.01, 'card overdue after 5 days');
  t.true(Math.abs(days(state.account.nextReminderAt) - 2) < 0.01, 'the deployment’s 2-day reminder still applies');
});

test('continue-as-new keeps the member exactly where they were, then the next run still offboards', async (t) => {
  const shared = await fixture();
  // A company of its own: its member turns admin now and then, which other tests' admin counts must not see.
  const f = await createFixture(t, { orm: shared.orm, url: shared.url, client: shared.client, taskQueue: shared.taskQueue });
  const card = await f.addCard();
  const member = await f.invite({ continueAsNewAfterEvents: 60 });
  await f.acceptInvitation(member.email);
  await member.handle.executeUpdate(scanQrUpdate, { args: [{ payload: card.qrPayload, actor: `member:${member.memberId}` }] });
  await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');
  const firstRun = (await member.handle.describe()).runId;

  // Each role change adds a handful of events; a dozen goes past the 60-event threshold.
  for (let i = 0; i < 12; i++) {
    await member.handle.executeUpdate(changeRoleUpdate, { args: [{ role: i % 2 ? 'user' : 'admin', actor: 'api-key:hr' }] });
  }
  const laterRun = await waitFor('a continued-as-new run', async () => {
    const { runId } = await f.lifecycles.handle(member.memberId).describe();
    return runId !== firstRun ? runId : undefined;
  });
  t.not(laterRun, firstRun);
  const state = await f.state(member.memberId);
  t.like(state, { status: 'active', role: 'user', access: { card: true, wifi: true }, card: { cardNumber: card.cardNumber, stage: 'enrolled' } });

  await f.lifecycles.handle(member.memberId).executeUpdate(removeUpdate, { args: [{ actor: 'api-key:hr' }] });
  const report = await f.lifecycles.handle(member.memberId).result();
  t.like(report, { statusBefore: 'active', card: { number: card.cardNumber, revoked: true } });
  // The access e-mail went out once, in the first run, although the state was carried over.
  t.is((await f.waitForMails(member.email, /accès est actif/)).length, 1);
  await recordHistory(f.client, 'continued-as-new-first-run', member.handle.workflowId, firstRun);
  await recordHistory(f.client, 'continued-as-new-last-run', member.handle.workflowId);
});

test('a worker restarted mid-lifecycle finishes the member with no e-mail sent twice', async (t) => {
  const shared = await fixture();
  // A task queue of its own, so only the workers of this test serve it.
  const taskQueue = uniqueTaskQueue();
  const f = await createFixture(t, { orm: shared.orm, url: shared.url, client: shared.client, taskQueue });
  const card = await f.addCard();
  const first = await startWorker(t, { orm: f.orm, taskQueue });
  const member = await f.invite();
  await f.waitForMails(member.email, /vous invite/);
  await member.handle.signal(wizardClosedSignal, { step: 1, closeId: 'before-restart' });
  await f.waitForMails(member.email, /Enregistrez votre carte d'accès/);
  await first.stop();

  // While no worker runs, the member creates their password: the signal waits in Temporal.
  await f.acceptInvitation(member.email);
  await startWorker(t, { orm: f.orm, taskQueue });
  await f.waitForState(member.memberId, 'awaiting_card', (v) => v.status === 'awaiting_card');
  await member.handle.executeUpdate(scanQrUpdate, { args: [{ payload: card.qrPayload, actor: `member:${member.memberId}` }] });
  await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');
  await f.waitForMails(member.email, /accès est actif/);

  const subjects = (await f.mailsTo(member.email)).map((m) => m.subject).sort();
  t.deepEqual(subjects, ['Acme vous invite à créer votre compte', "Enregistrez votre carte d'accès", 'Votre accès est actif']);
  // The SMTP server has the last e-mail a moment before the activity commits its row as sent.
  const rows = await waitFor('every e-mail recorded', async () => {
    const { rows } = await query<{ key: string; attempts: number; status: string }>(f.url, 'select key, attempts, status from email_outbox where member_id = $1 order by created_at', [member.memberId]);
    return rows.length >= 3 && rows.every((r) => r.status !== 'pending') ? rows : undefined;
  });
  t.deepEqual(rows.map((r) => [r.key.split('/').slice(2).join('/'), r.status, r.attempts]), [
    ['invitation-email/1', 'sent', 1],
    ['card-instructions/1', 'sent', 1],
    ['access-active/1', 'sent', 1],
  ]);
  await recordHistory(f.client, 'worker-restarted', member.handle.workflowId);
});

// E-mail delivery end to end: real Temporal workflows and worker, PostgreSQL, and a real SMTP server
// started by each test (smtp-server + mailparser), so what is asserted is what a mail client gets.
import { randomBytes, randomUUID } from 'node:crypto';
import test from 'ava';
import { ApplicationFailure, type Client } from '@temporalio/client';
import type { ActivityInboundCallsInterceptor } from '@temporalio/worker';
import type { SendEmailInput } from '../activities/email-content.ts';
import { acceptInvitation, inspectInvitation } from '../domain/members/accept-invitation.ts';
import { createMemberImport } from '../domain/imports/member-import.ts';
import { createLifecycleGateway } from '../domain/members/lifecycle-gateway.ts';
import { defaultDurations } from './helpers/lifecycle.ts';
import { createCompanyAtSite } from '../domain/companies/create-company.ts';
import { createSecrets } from '../domain/secrets.ts';
import { EMAIL_LOCALES, EMAIL_TEMPLATES, type EmailTemplate } from '../mail/catalog.ts';
import { registerCardUpdate, wizardClosedSignal } from '../contract/workflows.ts';
import type { OffboardingReport } from '../contract/workflows.ts';
import { insertMember, migratedOrm, query } from './helpers/database.ts';
import { createFixture } from './helpers/lifecycle.ts';
import { fileScope } from './helpers/scope.ts';
import { linksIn, testSmtp, type ReceivedMail } from './helpers/smtp.ts';
import { startWorker, temporalClient, TEST_PUBLIC_URL, TEST_SECRET_KEY, uniqueTaskQueue, type TestMailOptions } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
const tag = () => randomBytes(4).toString('hex');
const secrets = createSecrets(TEST_SECRET_KEY);

let shared: Promise<{ orm: Awaited<ReturnType<typeof migratedOrm>>['orm']; url: string; client: Client }> | undefined;
const services = () =>
  (shared ??= (async () => {
    const { orm, url } = await migratedOrm(scope);
    return { orm, url, client: await temporalClient(scope) };
  })());

async function organization() {
  const { orm } = await services();
  return createCompanyAtSite(orm.em.fork(), { name: `Acme ${tag()}`, adminEmail: `admin-${tag()}@acme.test`, adminName: 'Ada Admin', siteName: `Paris ${tag()}`, actor: 'test' });
}


/** A worker on its own task queue whose e-mail goes to `mail.smtpUrl`. */
async function worker(t: Parameters<typeof startWorker>[0], mail: TestMailOptions, interceptors?: Parameters<typeof startWorker>[1]['interceptors']) {
  const { orm } = await services();
  const taskQueue = uniqueTaskQueue();
  await startWorker(t, { orm, taskQueue, mail, interceptors });
  return taskQueue;
}

/** One e-mail through the `accountEmail` workflow (the outbox activity, retried by Temporal). */
async function send(taskQueue: string, input: Omit<SendEmailInput, 'to' | 'key'> & { key?: string }) {
  const { client } = await services();
  const key = input.key ?? `email-test/${randomUUID()}`;
  const result = await client.workflow.execute('accountEmail', { workflowId: `email-test-${randomUUID()}`, taskQueue, args: [{ ...input, key }] });
  return { key, result: result as { sent: number; failed: number } };
}

async function outbox(key: string) {
  const { url } = await services();
  const { rows } = await query<{ status: string; attempts: number; message_id: string | null; last_error: string | null }>(
    url,
    'select status, attempts, message_id, last_error from email_outbox where key = $1',
    [key],
  );
  return rows[0];
}


test('every e-mail in French and English goes out through the outbox complete: language, both parts, absolute links', async (t) => {
  const { url } = await services();
  const smtp = await testSmtp(t);
  const taskQueue = await worker(t, { smtpUrl: smtp.url });
  const org = await organization();
  const { rows: [importRow] } = await query<{ id: string }>(
    url,
    `insert into member_import (id, organization_id, actor, source, total, created_at, finished_at) values (gen_random_uuid(), $1, 'test', 'csv', 2, now(), now()) returning id`,
    [org.companyId],
  );
  await query(url, `insert into member_import_row (member_import_id, position, input, outcome, message) values ($1, 1, '{"email":"a@acme.test"}', 'created', null), ($1, 2, '{"email":"bad"}', 'failed', 'email: Invalid email address')`, [importRow!.id]);
  const [offboarding] = (await query<{ id: string }>(url,
    `insert into company_offboarding (id, organization_id, effective_at, state, requested_by, total, removed, workflow_id, created_at, finished_at)
     values (gen_random_uuid(), $1, now(), 'completed', 'system', 3, 3, 'test', now(), now()) returning id`, [org.companyId])).rows;
  const offboardingId = offboarding!.id;
  const [endpoint] = (await query<{ id: string }>(url,
    `insert into webhook_endpoint (id, organization_id, operator_id, url, description, enabled, disabled_reason, disabled_at, secret, failing_since, created_at, created_by, updated_at)
     select gen_random_uuid(), id, operator_id, 'https://hr.acme.test/hooks', '', false, 'failing', now(), 'x', now() - interval '5 days', now(), 'test', now()
       from organization where id = $1 returning id`, [org.companyId])).rows;
  const endpointId = endpoint!.id;
  const report: OffboardingReport = {
    memberId: randomUUID(), companyId: org.companyId, organizationId: org.companyId, email: 'x@acme.test', name: 'X', removedBy: `member:${org.adminMemberId}`, reason: 'end of contract',
    statusBefore: 'active', requestedAt: new Date().toISOString(), completedAt: '', card: { number: 'C0FFEE', revoked: true }, wifi: { revoked: true }, credentialsRevoked: 1, emails: { member: 1, admins: 0 },
  };
  // A visit's e-mails go to its visitor, and need a visit: test/visits.test.ts sends them. The
  // sign-up link goes to an address that is no member yet: test/sign-up.test.ts sends it.
  type Sent = Exclude<EmailTemplate, `visit_${string}` | 'sign_up_link'>;
  const templates = EMAIL_TEMPLATES.filter((template): template is Sent => !template.startsWith('visit_') && template !== 'sign_up_link');
  const data: Record<Sent, Record<string, unknown>> = {
    sign_up_request: { expiresAt: '2026-12-15T17:00:00.000Z' },
    sign_up_decided: { approved: false, expired: true },
    invitation: { invitationTokenId: randomUUID(), invitationExpiresAt: '2026-12-01T17:00:00.000Z' },
    invitation_reminder: { invitationTokenId: randomUUID(), invitationExpiresAt: '2026-12-01T17:00:00.000Z' },
    invitation_expired: {},
    card_instructions: { pin: '*4821' },
    card_reminder: {},
    card_overdue: {},
    access_active: { cardNumber: 'C0FFEE' },
    password_reset: { resetTokenId: randomUUID() },
    removal_notice: {},
    offboarding_report: { report },
    import_finished: { importId: importRow!.id },
    company_offboarded: { offboardingId },
    webhook_disabled: { endpointId },
    // Per member, below: a pending change of their own address.
    email_change_confirm: {},
    email_change_notice: {},
  };

  for (const locale of EMAIL_LOCALES) {
    const member = await insertMember(url, org, { locale, name: 'Jo Member' });
    const [change] = (await query<{ id: string }>(url,
      `insert into auth_token (id, member_id, purpose, new_email, expires_at, attempts, created_at) values (gen_random_uuid(), $1, 'email_change', 'jo.new@acme.test', now() + interval '2 days', 0, now()) returning id`,
      [member.memberId])).rows;
    data.email_change_confirm = { tokenId: change!.id };
    data.email_change_notice = { tokenId: change!.id };
    const results = await Promise.all(templates.map((template) => send(taskQueue, { companyId: org.companyId, memberId: member.memberId, template, data: data[template] })));
    t.true(results.every((r) => r.result.sent === 1), `${locale}: every e-mail was sent`);
    const mails = await smtp.waitFor(member.email, templates.length);
    t.is(mails.length, templates.length, `${locale}: one message per e-mail, no more`);
    const subjects = new Set<string>();
    for (const { mail } of mails) {
      const html = String(mail.html);
      subjects.add(mail.subject!);
      t.truthy(mail.text?.trim(), `${mail.subject}: a text part`);
      t.regex(html, new RegExp(`<html lang="${locale}"`), `${mail.subject}: html lang`);
      t.false(/\{\{|\}\}/.test(`${mail.subject}${html}${mail.text}`), `${mail.subject}: every placeholder filled`);
      const links = linksIn(html);
      t.true(links.length > 0, `${mail.subject}: has links`);
      for (const link of links) t.true(link.startsWith(`${TEST_PUBLIC_URL}`), `${mail.subject}: ${link} is absolute, on PUBLIC_URL`);
      for (const link of links) t.true(mail.text!.includes(link), `${mail.subject}: ${link} is also in the text part`);
      t.truthy(mail.messageId, 'a Message-ID');
    }
    t.is(subjects.size, templates.length, `${locale}: every subject different`);
    const french = locale === 'fr';
    t.true(mails.some((m) => (french ? /vous invite à créer votre compte/ : /invites you to create your account/).test(m.mail.subject!)));
    const reset = mails.find((m) => (french ? /code de réinitialisation/ : /password reset code/).test(m.mail.subject!))!;
    t.regex(reset.mail.text!, /\b\d{6}\b/, 'the reset code is in the e-mail');
    const imported = mails.find((m) => /Import/.test(m.mail.subject!))!;
    // Row numbers as the spreadsheet counts them (the CSV header is row 1).
    t.regex(imported.mail.text!, french ? /Ligne 3 \(bad\) : / : /Row 3 \(bad\): /);
    const offboarding = mails.find((m) => (french ? /Départ de/ : /was removed: report/).test(m.mail.subject!))!;
    t.regex(offboarding.mail.text!, /Ada Admin/, 'who removed the member, by name');
  }
});

test('the lifecycle e-mails the right person in their language, with a link that opens their invitation', async (t) => {
  const { orm, url, client } = await services();
  const smtp = await testSmtp(t);
  const taskQueue = await worker(t, { smtpUrl: smtp.url });
  const f = await createFixture(t, { orm, url, client, taskQueue });

  const french = await f.invite({ locale: 'fr' });
  const english = await f.invite({ locale: 'en' });
  const [fr] = await smtp.waitFor(french.email);
  const [en] = await smtp.waitFor(english.email);
  t.deepEqual(fr!.envelopeTo, [french.email]);
  t.is(fr!.mail.to && 'value' in fr!.mail.to ? fr!.mail.to.value[0]!.address : undefined, french.email);
  t.is(fr!.mail.from?.value[0]!.address, 'onboarding@onboarding.test');
  t.regex(fr!.mail.subject!, /^Acme vous invite à créer votre compte$/);
  t.regex(en!.mail.subject!, /^Acme invites you to create your account$/);
  t.regex(String(en!.mail.html), /<html lang="en"/);

  // The link in the text part and the button in the HTML part are the same working link.
  const link = /http:\/\/onboarding\.test\/invitations\/(\S+)/.exec(fr!.mail.text!)!;
  t.true(linksIn(String(fr!.mail.html)).includes(link[0]));
  const invitation = await inspectInvitation(orm.em.fork(), secrets, decodeURIComponent(link[1]!));
  t.is(invitation.email, french.email);

  // After the password, closing the wizard at step 1 sends the card instructions with the PIN.
  await acceptInvitation({ em: orm.em.fork(), lifecycles: createLifecycleGateway({ client, taskQueue, defaults: defaultDurations }), secrets }, { token: decodeURIComponent(link[1]!), password: 'correct horse battery staple' });
  await f.waitForState(french.memberId, 'awaiting card', (v) => v.status === 'awaiting_card');
  await french.handle.signal(wizardClosedSignal, { step: 1, closeId: 'close-1' });
  const [, instructions] = await smtp.waitFor(french.email, 2);
  t.is(instructions!.mail.subject, "Enregistrez votre carte d'accès");
  const pin = String((await f.memberRow(french.memberId)).enrollment_pin);
  t.true(instructions!.mail.text!.includes(pin), 'the PIN to type at the door');
  t.true(linksIn(String(instructions!.mail.html)).includes('http://onboarding.test/card'));
  t.regex(String(instructions!.mail.html), /Enregistrer ma carte/);
});

test('SMTP down, then up: the e-mail waits in the outbox with the error, then arrives exactly once', async (t) => {
  const { url } = await services();
  const smtp = await testSmtp(t, { down: true });
  const taskQueue = await worker(t, { smtpUrl: smtp.url });
  const org = await organization();
  const member = await insertMember(url, org, { locale: 'en' });
  const key = `email-test/${randomUUID()}`;
  const sending = send(taskQueue, { key, companyId: org.companyId, memberId: member.memberId, template: 'card_reminder' });

  const failing = await waitFor('a failed attempt recorded on the outbox row', async () => {
    const row = await outbox(key);
    return row?.last_error ? row : undefined;
  });
  t.is(failing.status, 'pending');
  t.regex(failing.last_error!, /ECONNREFUSED|connect/i);
  await smtp.listen();

  t.deepEqual((await sending).result, { sent: 1, failed: 0 });
  const mails = smtp.to(member.email);
  t.is(mails.length, 1, 'arrived once');
  const row = (await outbox(key))!;
  t.is(row.status, 'sent');
  t.true(row.attempts >= 2);
  t.is(row.message_id, mails[0]!.mail.messageId ?? null);
  const { rows: audit } = await query<{ type: string }>(url, `select type from audit_event where member_id = $1 and type like 'email.%'`, [member.memberId]);
  t.deepEqual(audit.map((a) => a.type), ['email.sent']);
});

test('a sending activity retried after its e-mail went out (its completion lost) sends nothing more', async (t) => {
  const { url } = await services();
  const smtp = await testSmtp(t);
  let executions = 0;
  // Plays a worker that sent the e-mail and died before telling Temporal: the first completion is
  // turned into a failure, so Temporal runs the activity again.
  const loseFirstCompletion = (): ActivityInboundCallsInterceptor => ({
    async execute(input, next) {
      const result = await next(input);
      if (++executions === 1) throw ApplicationFailure.retryable('worker lost before completing', 'LostCompletion');
      return result;
    },
  });
  const taskQueue = await worker(t, { smtpUrl: smtp.url }, { activity: [() => ({ inbound: loseFirstCompletion() })] });
  const org = await organization();
  const member = await insertMember(url, org, { locale: 'fr' });
  const { key, result } = await send(taskQueue, { companyId: org.companyId, memberId: member.memberId, template: 'card_reminder' });

  t.deepEqual(result, { sent: 1, failed: 0 });
  t.is(executions, 2, 'Temporal ran the activity twice');
  t.is(smtp.to(member.email).length, 1, 'one message');
  t.like(await outbox(key), { status: 'sent', attempts: 1 });
});

test('an SMTP server that stays down: after SMTP_RETRY_FOR the e-mail is marked failed and the workflow goes on', async (t) => {
  const { url } = await services();
  const smtp = await testSmtp(t, { down: true });
  const taskQueue = await worker(t, { smtpUrl: smtp.url, retryForMs: 1500 });
  const org = await organization();
  const member = await insertMember(url, org, { locale: 'fr' });
  const { key, result } = await send(taskQueue, { companyId: org.companyId, memberId: member.memberId, template: 'card_reminder' });

  t.deepEqual(result, { sent: 0, failed: 1 });
  const row = (await outbox(key))!;
  t.is(row.status, 'failed');
  t.true(row.attempts >= 2, `retried before giving up (${row.attempts} attempts)`);
  t.regex(row.last_error!, /ECONNREFUSED|connect/i);
  const { rows: audit } = await query<{ type: string }>(url, `select type from audit_event where member_id = $1 and type like 'email.%'`, [member.memberId]);
  t.deepEqual(audit.map((a) => a.type), ['email.failed']);
});

test('a member whose access is granted is active at once, even while the "access active" e-mail cannot go out', async (t) => {
  const { orm, url, client } = await services();
  let accessMailRefused = true;
  let refusals = 0;
  // Plays an SMTP server that refuses this one e-mail for a while (the others go out).
  const refuseAccessMail = (): ActivityInboundCallsInterceptor => ({
    async execute(input, next) {
      const email = input.args[0] as Partial<SendEmailInput> | undefined;
      if (accessMailRefused && email?.template === 'access_active') {
        refusals++;
        throw ApplicationFailure.retryable('SMTP 421 try again later', 'SmtpUnavailable');
      }
      return next(input);
    },
  });
  const taskQueue = await worker(t, {}, { activity: [() => ({ inbound: refuseAccessMail() })] });
  const f = await createFixture(t, { orm, url, client, taskQueue });
  const card = await f.addCard();
  const member = await f.invite({ locale: 'en' });
  await f.acceptInvitation(member.email);
  await f.waitForState(member.memberId, 'awaiting card', (v) => v.status === 'awaiting_card');

  await member.handle.executeUpdate(registerCardUpdate, { args: [{ cardNumber: card.cardNumber, actor: `member:${f.admin.memberId}` }] });
  const active = await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');
  t.like(active.access, { card: true, wifi: true });
  t.is((await f.memberRow(member.memberId)).status, 'active');
  t.true(refusals >= 1, 'the e-mail was being refused meanwhile');
  t.false((await f.mailsTo(member.email)).some((m) => /access is active/i.test(m.subject)));

  accessMailRefused = false;
  await f.waitForMails(member.email, /Your access is active/);
});

test('a bulk import started by an admin ends with an e-mail to that admin; one started with an API key tells no one', async (t) => {
  const { orm, client } = await services();
  const smtp = await testSmtp(t);
  const taskQueue = await worker(t, { smtpUrl: smtp.url });
  const org = await organization();
  const [admin] = await orm.em.fork().execute<{ email: string }[]>('select email from member where id = ?', [org.adminMemberId]);
  const invited = `new-${tag()}@acme.test`;
  const rows = [{ email: invited, name: 'New Person', locale: 'en' }, { email: 'not-an-address', name: 'Broken' }];

  const byAdmin = await createMemberImport({ em: orm.em.fork(), lifecycles: createLifecycleGateway({ client, taskQueue, defaults: defaultDurations }) }, { companyId: org.companyId, actor: `member:${org.adminMemberId}`, source: 'json', rows });
  await client.workflow.getHandle(`member-import-${byAdmin.importId}`).result();
  const [report] = smtp.to(admin!.email).filter((m: ReceivedMail) => /Import/.test(m.mail.subject!));
  t.is(report?.mail.subject, 'Import terminé : 1 invitation sur 2 lignes');
  t.regex(report!.mail.text!, /Ligne 2 \(not-an-address\) : une valeur n’est pas valide dans : email/, 'the reason in the reader\'s language');
  t.true(linksIn(String(report!.mail.html)).includes(`${TEST_PUBLIC_URL}/admin/imports/${byAdmin.importId}`));
  await smtp.waitFor(invited);

  const byKey = await createMemberImport({ em: orm.em.fork(), lifecycles: createLifecycleGateway({ client, taskQueue, defaults: defaultDurations }) }, { companyId: org.companyId, actor: 'api-key:hr-system', source: 'json', rows: [{ email: `other-${tag()}@acme.test`, name: 'Other' }] });
  await client.workflow.getHandle(`member-import-${byKey.importId}`).result();
  t.is(smtp.to(admin!.email).filter((m) => /Import/.test(m.mail.subject!)).length, 1, 'only the first import was reported');
});

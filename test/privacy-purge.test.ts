// The daily purge on Temporal's time-skipping test server (the worker, PostgreSQL and SMTP are
// real): a removed member is pseudonymised once the operator's retention has passed, e-mails and
// webhook payloads go after theirs, an operator's own settings win over the defaults, and each run
// audits its counts.
import test from 'ava';
import { pseudonymOf } from '../domain/members/erase-member.ts';
import { query } from './helpers/database.ts';
import { recordHistory } from './helpers/lifecycle.ts';
import { fileScope } from './helpers/scope.ts';
import { timeSkippingWorld } from './helpers/time-skipping.ts';

const DAY = 86_400_000;
const scope = fileScope();
const DEFAULTS = { entryEventRetentionDays: 90, visitorRetentionDays: 90, messageRetentionDays: 30, pseudonymiseAfterMonths: 12 };

test.serial('removed members are pseudonymised after the retention, e-mails and webhook payloads after theirs, each operator after its own settings; every run audits its counts', async (t) => {
  const { env, plain, fixture: f } = await timeSkippingWorld(scope);
  const { rows: [company] } = await query<{ operator_id: string }>(f.url, 'select operator_id from organization where id = $1', [f.companyId]);
  const operatorId = company!.operator_id;
  const at = async (daysAgo: number) => new Date((await env.currentTimeMs()) - daysAgo * DAY);

  const removedMember = async (name: string, removedDaysAgo: number) => {
    const { rows } = await query<{ id: string }>(
      f.url,
      `insert into member (id, organization_id, site_id, email, name, role, locale, status, external_id, created_at, updated_at, removed_at)
       values (gen_random_uuid(), $1, $2, $3, $4, 'user', 'fr', 'removed', $5, now(), now(), $6) returning id`,
      [f.companyId, f.siteId, `${name.toLowerCase()}@acme.test`, name, `hr-${name}`, await at(removedDaysAgo)],
    );
    const id = rows[0]!.id;
    await query(f.url, `insert into audit_event (organization_id, member_id, actor, type, data, personal, occurred_at) values ($1, $2, 'test', 'member.removed', '{}', $3, now())`, [f.companyId, id, JSON.stringify({ reason: `${name} moved away` })]);
    return id;
  };
  const oldie = await removedMember('Olga', 340);
  const recent = await removedMember('Rémi', 20);
  const mail = async (daysAgo: number) =>
    (await query<{ id: string }>(f.url, `insert into email_outbox (id, key, organization_id, member_id, to_address, template, locale, data, status, attempts, created_at, sent_at) values (gen_random_uuid(), gen_random_uuid()::text, $1, $2, 'x@acme.test', 'invitation', 'fr', '{"name":"X"}', 'sent', 1, $3, $3) returning id`, [f.companyId, f.admin.memberId, await at(daysAgo)])).rows[0]!.id;
  const oldMail = await mail(25);
  const payload = async (daysAgo: number) =>
    (await query<{ id: string }>(f.url, `insert into webhook_event (id, organization_id, operator_id, member_id, type, data, occurred_at, fanned_out_at) values (gen_random_uuid(), $1, $2, $3, 'member.invited', '{"member":{"email":"x@acme.test"}}', $4, $4) returning id`, [f.companyId, operatorId, f.admin.memberId, await at(daysAgo)])).rows[0]!.id;
  const oldPayload = await payload(25);

  type Totals = { operators: number; messages: number; webhookPayloads: number; pseudonymised: number; postponed: number };
  const purge = async () => {
    const workflowId = `purge-${crypto.randomUUID()}`;
    const result = (await plain.workflow.execute('purgeExpiredData', { taskQueue: f.taskQueue, workflowId, args: [DEFAULTS] })) as Totals;
    return { result, workflowId };
  };
  const exists = async (table: string, id: string) => ((await query(f.url, `select 1 from ${table} where id = $1`, [id])).rowCount ?? 0) > 0;
  const member = async (id: string) => (await query<{ name: string; email: string; external_id: string | null; pseudonymised_at: Date | null }>(f.url, 'select name, email, external_id, pseudonymised_at from member where id = $1', [id])).rows[0]!;

  const first = await purge();
  t.like(first.result, { pseudonymised: 0, messages: 0, webhookPayloads: 0 });
  t.is((await member(oldie)).name, 'Olga', 'removed 340 days ago: not yet (12 months)');
  t.true(await exists('email_outbox', oldMail));

  // Thirty days on (the test server's clock): Olga's year has passed, and the older e-mail's 30 days.
  await env.sleep(30 * DAY);
  const newMail = await mail(1);
  const second = await purge();
  t.like(second.result, { pseudonymised: 1, webhookPayloads: 1 });
  // The fixture's own e-mails, sent by the real clock, are 30 days old on the test server's too.
  t.true(second.result.messages >= 1);
  t.like(await member(oldie), { name: pseudonymOf(oldie), email: `${oldie}@erased.invalid`, external_id: null });
  t.is((await member(recent)).name, 'Rémi');
  t.false(await exists('email_outbox', oldMail));
  t.true(await exists('email_outbox', newMail));
  t.false(await exists('webhook_event', oldPayload));
  const { rows: personal } = await query<{ personal: string | null }>(f.url, `select personal from audit_event where member_id = $1 and type = 'member.removed'`, [oldie]);
  t.is(personal[0]!.personal, null, 'the reason given for the removal is gone with the rest');
  const { rows: audits } = await query<{ data: Record<string, unknown> }>(f.url, `select data from audit_event where type = 'retention.purged' and operator_id = $1 order by id`, [operatorId]);
  t.is(audits.length, 2, 'one audit event per run');
  t.like(audits[1]!.data, { pseudonymised: 1, messages: second.result.messages, webhookPayloads: 1, settings: { pseudonymiseAfterMonths: 12, messageDays: 30 } });
  await recordHistory(plain, 'purge-pseudonymised', second.workflowId);

  // The operator chooses no delay: Rémi, removed 50 days ago, goes at the next run.
  await query(f.url, `update operator set retention = '{"pseudonymiseAfterMonths": 0}' where id = $1`, [operatorId]);
  t.like((await purge()).result, { pseudonymised: 1 });
  t.is((await member(recent)).name, pseudonymOf(recent));
  // A removal just made (by the real clock) whose report is not written yet waits for the next run.
  const { rows: [paula] } = await query<{ id: string }>(f.url, `insert into member (id, organization_id, site_id, email, name, role, locale, status, created_at, updated_at, removed_at) values (gen_random_uuid(), $1, $2, 'paula@acme.test', 'Paula', 'user', 'fr', 'removed', now(), now(), now()) returning id`, [f.companyId, f.siteId]);
  t.like((await purge()).result, { pseudonymised: 0, postponed: 1 }, 'nothing twice, and Paula later');
  t.is((await member(paula!.id)).name, 'Paula');
});

// A customer company with a site and card stock in a fresh database, and the calls a test
// needs to drive members through their lifecycle the way the API will: invite, accept the link
// from the real e-mail, signal/update the workflow, read the mailbox and the audit trail.
import type { MemberAccessInput } from '../../domain/members/member-access.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Scope } from './scope.ts';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../../config/index.ts';
import type { MemberRole } from '../../db/entities/index.ts';
import type { Orm } from '../../db/orm.ts';
import { acceptInvitation } from '../../domain/members/accept-invitation.ts';
import { inviteMember } from '../../domain/members/invite-member.ts';
import type { MemberDates } from '../../domain/members/schedule.ts';
import { createLifecycleGateway, type LifecycleGateway, type LifecycleHandle } from '../../domain/members/lifecycle-gateway.ts';
import { createCompanyAtSite } from '../../domain/companies/create-company.ts';
import { createSecrets } from '../../domain/secrets.ts';
import { exportHistory } from '../../services/history.ts';
import { openMailbox, type CaughtMail } from '../../services/mail-catcher.ts';
import { stateQuery } from '../../contract/workflows.ts';
import type { LifecycleDurations, LifecycleView } from '../../contract/workflows.ts';
import { query } from './database.ts';
import { testEnv } from './env.ts';
import { TEST_PUBLIC_URL, TEST_SECRET_KEY } from './temporal.ts';
import { waitFor } from './wait.ts';

// The deployment defaults (days): no timer fires during a test that does not move the clock.
export const defaultDurations: LifecycleDurations = loadConfig({ NODE_ENV: 'test' }).lifecycle;

const secrets = createSecrets(TEST_SECRET_KEY);
const mailbox = openMailbox(testEnv.mailDir);
const tag = () => randomBytes(4).toString('hex');

export interface Fixture {
  companyId: string;
  siteId: string;
  otherSiteId: string;
  admin: { memberId: string; email: string };
  client: Client;
  lifecycles: LifecycleGateway;
  taskQueue: string;
  url: string;
  orm: Orm;
  invite(options?: { role?: MemberRole; locale?: 'fr' | 'en'; durations?: LifecycleDurations; continueAsNewAfterEvents?: number; email?: string; siteId?: string; dates?: MemberDates; name?: string; access?: MemberAccessInput }): Promise<{ memberId: string; email: string; handle: LifecycleHandle }>;
  /** Adds a card to a site's stock; returns its number and the QR code's payload. */
  addCard(siteId?: string): Promise<{ cardNumber: string; qrPayload: string; cardId: string }>;
  /** Waits for the member's latest invitation e-mail and posts a password on its link. */
  acceptInvitation(email: string, password?: string): Promise<void>;
  mailsTo(email: string): Promise<CaughtMail[]>;
  /** Waits until `email` received `count` messages whose subject matches. */
  waitForMails(email: string, subject: RegExp, count?: number): Promise<CaughtMail[]>;
  state(memberId: string): Promise<LifecycleView>;
  /** Until the workflow has no workflow task and no activity pending: it has handled what it received. */
  waitForIdle(memberId: string): Promise<void>;
  waitForState(memberId: string, description: string, ok: (view: LifecycleView) => boolean): Promise<LifecycleView>;
  auditTypes(memberId: string): Promise<string[]>;
  memberRow(memberId: string): Promise<Record<string, unknown>>;
  accessList(siteId?: string): Promise<string[]>;
}

export async function createFixture(
  t: Scope,
  options: { orm: Orm; url: string; client: Client; taskQueue: string; durations?: LifecycleDurations },
): Promise<Fixture> {
  const { orm, url, client, taskQueue } = options;
  const adminEmail = `admin-${tag()}@acme.test`;
  const org = await createCompanyAtSite(orm.em.fork(), { name: 'Acme', adminEmail, adminName: 'Ada Admin', siteName: `Paris ${tag()}`, actor: 'test' });
  const lifecycles = createLifecycleGateway({ client, taskQueue, defaults: options.durations ?? defaultDurations });
  const [other] = (await query<{ id: string }>(url, `insert into site (id, operator_id, name, time_zone, access_list_version, created_at) values (gen_random_uuid(), $1, $2, 'Europe/Lyon', 0, now()) returning id`, [org.operatorId, `Lyon ${tag()}`])).rows;
  await query(url, 'insert into company_site (organization_id, site_id, granted_at) values ($1, $2, now())', [org.companyId, other!.id]);
  // As createSite and a site grant would: its common zone, granted to the company.
  await query(url, `insert into zone (id, site_id, name, common, created_at) values (gen_random_uuid(), $1, 'Entrance and common areas', true, now())`, [other!.id]);
  await query(url, `insert into zone_grant (organization_id, zone_id, granted_at) select $1, id, now() from zone where site_id = $2`, [org.companyId, other!.id]);
  await query(url, `update site set wifi_ssid = 'Acme-Guest' where id = $1`, [org.siteId]);

  const fixture: Fixture = {
    companyId: org.companyId,
    siteId: org.siteId,
    otherSiteId: other!.id,
    admin: { memberId: org.adminMemberId, email: adminEmail },
    client,
    lifecycles,
    taskQueue,
    url,
    orm,
    async invite(o = {}) {
      const email = o.email ?? `member-${tag()}@acme.test`;
      const invited = await inviteMember(
        { em: orm.em.fork(), lifecycles, defaults: o.durations ?? options.durations ?? defaultDurations, continueAsNewAfterEvents: o.continueAsNewAfterEvents },
        { companyId: org.companyId, siteId: o.siteId ?? org.siteId, email, name: o.name ?? `Member ${email.split('@')[0]}`, role: o.role, locale: o.locale, actor: `member:${org.adminMemberId}`, ...(o.dates ? { dates: o.dates } : {}), ...(o.access ? { access: o.access } : {}) },
      );
      return { memberId: invited.memberId, email, handle: lifecycles.handle(invited.memberId) };
    },
    async addCard(siteId = org.siteId) {
      const cardNumber = `C${randomBytes(5).toString('hex').toUpperCase()}`;
      const qrToken = randomUUID();
      const { rows } = await query<{ id: string }>(
        url,
        `insert into card (id, site_id, number, qr_token, state, created_at) values (gen_random_uuid(), $1, $2, $3, 'stock', now()) returning id`,
        [siteId, cardNumber, qrToken],
      );
      return { cardNumber, qrPayload: `https://cards.example/c/${qrToken}`, cardId: rows[0]!.id };
    },
    async acceptInvitation(email, password = 'correct horse battery staple') {
      const [mail] = await fixture.waitForMails(email, /invit|account|compte/i, 1);
      const link = /\/invitations\/([^\s]+)/.exec(mail!.text)?.[1];
      if (!link) throw new Error(`no invitation link in: ${mail!.text}`);
      await acceptInvitation({ em: orm.em.fork(), lifecycles, secrets }, { token: decodeURIComponent(link), password });
    },
    mailsTo: (email) => mailbox.list({ to: email }),
    async waitForMails(email, subject, count = 1) {
      return waitFor(`${count} e-mail(s) to ${email} matching ${subject}`, async () => {
        const mails = (await mailbox.list({ to: email })).filter((m) => subject.test(m.subject));
        return mails.length >= count ? mails : undefined;
      });
    },
    state: (memberId) => lifecycles.handle(memberId).query(stateQuery),
    async waitForIdle(memberId) {
      await waitFor(`member-${memberId} to be idle`, async () => {
        const { raw } = await lifecycles.handle(memberId).describe();
        return !raw.pendingWorkflowTask && !raw.pendingActivities?.length;
      });
    },
    waitForState(memberId, description, ok) {
      return waitFor(description, async () => {
        const view = await fixture.state(memberId);
        return ok(view) ? view : undefined;
      });
    },
    async auditTypes(memberId) {
      const { rows } = await query<{ type: string }>(url, 'select type from audit_event where member_id = $1 order by id', [memberId]);
      return rows.map((r) => r.type);
    },
    async memberRow(memberId) {
      const { rows } = await query(url, 'select * from member where id = $1', [memberId]);
      return rows[0]!;
    },
    async accessList(siteId = org.siteId) {
      return await grantedCards(orm, siteId);
    },
  };
  return fixture;
}

/**
 * With RECORD_HISTORIES=<dir> (e.g. test/histories), saves the history of a test's workflow run
 * for the replay tests: `RECORD_HISTORIES=test/histories npm test -- test/member-lifecycle.test.ts`.
 */
export async function recordHistory(client: Client, name: string, workflowId: string, runId?: string): Promise<void> {
  const dir = process.env.RECORD_HISTORIES;
  if (!dir) return;
  await exportHistory(client, { workflowId, runId, file: path.resolve(dir, `${name}.json`) });
}

/** The site's cards whose access is granted: what its doors' lists are made of (each door's by its zone). */
export async function grantedCards(orm: Orm, siteId: string): Promise<string[]> {
  const rows = await orm.em.fork().getKysely().selectFrom('card').select('number').where('site_id', '=', siteId).where('state', '=', 'assigned').where('access_granted_at', 'is not', null).orderBy('number').execute();
  return rows.map((r) => r.number);
}

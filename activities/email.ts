// The e-mail outbox. The workflow decides *that* an e-mail goes out (its key: workflow id +
// lifecycle + purpose + sequence); this activity writes one outbox row per recipient under that
// key (committed before anything is sent) and sends each row at most once: a retry skips rows
// already sent, and the row lock makes a concurrent attempt wait and then see 'sent'.
//
// SMTP trouble: a 5xx refusal is final (row 'failed'); anything else is written on the row
// (attempts, last_error) and thrown, so Temporal retries with backoff, until the e-mail has been
// tried for `retryForMs`; then the row is 'failed' too and the workflow carries on.
//
// Secrets (invitation link, reset code, Wi-Fi password) are resolved at send time and never stored
// in the row or the workflow history.
import type { EntityManager } from '../db/orm.ts';
import { Context } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import type { MemberLocale } from '../db/entities/index.ts';
import type { Orm } from '../db/orm.ts';
import { recordAudit } from '../domain/audit.ts';
import { RESET_CODE_TTL_MS } from '../domain/auth/reset-code.ts';
import { isUuid } from '../domain/ids.ts';
import { displayedRow, importCounts } from '../domain/imports/member-import.ts';
import type { Secrets } from '../domain/secrets.ts';
import { EMAIL_AUDIENCE, type CommonEmailData, type EmailTemplate, type TemplateData } from '../mail/catalog.ts';
import { PermanentMailError, type Mailer } from '../mail/mailer.ts';
import type { EmailRenderer } from '../mail/render.ts';
import { countDisconnects } from '../domain/disconnects.ts';
import type { WifiCredentials, WifiProvider } from '../providers/wifi.ts';
import type { OffboardingReport } from '../contract/workflows.ts';

export interface EmailActivityDeps {
  orm: Orm;
  mailer: Mailer;
  renderer: EmailRenderer;
  secrets: Secrets;
  wifi: WifiProvider;
  /** Where links in e-mails point (PUBLIC_URL). */
  publicUrl: string;
  /** How long SMTP errors are retried before the e-mail is marked failed. */
  mailRetryForMs: number;
}

export interface SendEmailInput {
  key: string;
  companyId: string;
  memberId: string;
  /**
   * The member themself (at their address, or at the one a pending change moves them to,
   * `data.tokenId`), every live administrator of the company, or (a company leaving) its
   * administrators, removed or not, and the operator's.
   */
  to: 'member' | 'new_address' | 'admins' | 'company_and_operator_admins' | 'webhook_admins';
  template: EmailTemplate;
  data?: Record<string, unknown>;
  /** Stop retrying sooner than SMTP_RETRY_FOR: an e-mail that is useless late (a 15-minute code). */
  giveUpAfterMs?: number;
}

interface Recipient {
  id: string;
  email: string;
  name: string;
  locale: MemberLocale;
}

interface OutboxRow {
  id: string;
  to_address: string;
  status: 'pending' | 'sent' | 'failed';
}

type Outcome = 'sent' | 'failed' | { retry: unknown };

/** What an e-mail needs from a provider, read before its outbox transaction opens. */
interface ReadFirst {
  wifi?: WifiCredentials;
}

const IMPORT_PROBLEMS_SHOWN = 20;
const HEARTBEAT_EVERY_MS = 2000;

export function createEmailActivities({ orm, mailer, renderer, secrets, wifi, publicUrl, mailRetryForMs }: EmailActivityDeps) {
  const domain = new URL(publicUrl).hostname || 'localhost';

  async function recipients(em: EntityManager, input: SendEmailInput): Promise<Recipient[]> {
    if (input.to === 'member') {
      return em.execute<Recipient[]>('select id, email, name, locale from member where id = ?', [input.memberId]);
    }
    if (input.to === 'new_address') {
      return em.execute<Recipient[]>(
        `select m.id, t.new_email as email, m.name, m.locale from auth_token t join member m on m.id = t.member_id where t.id = ? and t.member_id = ? and t.purpose = 'email_change'`,
        [String(input.data?.tokenId), input.memberId],
      );
    }
    if (input.to === 'company_and_operator_admins') {
      return em.execute<Recipient[]>(
        `select distinct on (email) id, email, name, locale from member
          where (organization_id = ? and role = 'admin')
             or (operator_admin and status <> 'removed' and organization_id in (select id from organization where operator_id = (select operator_id from organization where id = ?)))
          order by email, (organization_id = ?) desc`,
        [input.companyId, input.companyId, input.companyId],
      );
    }
    if (input.to === 'webhook_admins') {
      // A company's endpoint: its admins; the operator's: the operator's staff.
      return em.execute<Recipient[]>(
        `select distinct on (m.email) m.id, m.email, m.name, m.locale from webhook_endpoint e
           join member m on m.status <> 'removed' and (
                (e.organization_id is not null and m.organization_id = e.organization_id and m.role = 'admin')
             or (e.organization_id is null and m.operator_admin and m.organization_id in (select id from organization where operator_id = e.operator_id)))
          where e.id = ? order by m.email`,
        [String(input.data?.endpointId)],
      );
    }
    // The member an admin e-mail is about is never its recipient (e.g. an admin being removed).
    return em.execute<Recipient[]>(
      `select id, email, name, locale from member where organization_id = ? and role = 'admin' and status <> 'removed' and id <> ? order by email`,
      [input.companyId, input.memberId],
    );
  }

  /** Who did it, in words: a member's name, an API key's name, or the actor id as recorded. */
  async function actorName(em: EntityManager, actor: string): Promise<string> {
    const [kind, id] = actor.split(/:(.*)/s);
    if (!id || !isUuid(id)) return actor;
    if (kind === 'member') {
      const [row] = await em.execute<{ name: string }[]>('select name from member where id = ?', [id]);
      if (row) return row.name;
    }
    if (kind === 'api-key' || kind === 'operator-key') {
      const [row] = await em.execute<{ name: string }[]>('select name from api_key where id = ?', [id]);
      if (row) return `${row.name} (API)`;
    }
    return actor;
  }

  /** The member the e-mail is about, with their company and site. */
  async function about(em: EntityManager, memberId: string) {
    const [row] = await em.execute<
      {
        name: string; email: string; enrollment_pin: string | null; removed_at: Date | null;
        company: string; brand_color: string; logo_url: string | null; site: string | null; time_zone: string | null;
      }[]
    >(
      `select m.name, m.email, m.enrollment_pin, m.removed_at, o.name as company, o.brand_color, o.logo_url, s.name as site, s.time_zone
         from member m join organization o on o.id = m.organization_id left join site s on s.id = m.site_id where m.id = ?`,
      [memberId],
    );
    if (!row) throw new Error(`member ${memberId} not found`);
    return row;
  }

  /** Everything the e-mail says but the recipient's name: the same for every admin it goes to. */
  async function content(em: EntityManager, input: SendEmailInput, read: ReadFirst): Promise<Omit<CommonEmailData, 'recipient'> & TemplateData[EmailTemplate]> {
    const member = await about(em, input.memberId);
    return {
      audience: EMAIL_AUDIENCE[input.template],
      member: { name: member.name, email: member.email },
      company: { name: member.company, brandColor: member.brand_color, logoUrl: member.logo_url },
      site: member.site ? { name: member.site } : null,
      timeZone: member.time_zone ?? 'UTC',
      homeUrl: publicUrl,
      ...(await specific(em, input, member, read)),
    };
  }

  /** What this e-mail says beyond the common part, read at send time. */
  async function specific(em: EntityManager, input: SendEmailInput, member: Awaited<ReturnType<typeof about>>, read: ReadFirst): Promise<TemplateData[EmailTemplate]> {
    const data = input.data ?? {};
    const memberUrl = `${publicUrl}/admin/members/${input.memberId}`;
    const enrollmentUrl = `${publicUrl}/card`;
    const invitation = () => ({
      url: `${publicUrl}/invitations/${encodeURIComponent(secrets.signToken(String(data.invitationTokenId)))}`,
      expiresAt: String(data.invitationExpiresAt),
    });
    switch (input.template) {
      case 'invitation':
      case 'invitation_reminder':
        return { invitation: invitation() };
      case 'invitation_expired': {
        const [token] = await em.execute<{ expires_at: Date | null }[]>(
          `select max(expires_at) as expires_at from auth_token where member_id = ? and purpose = 'invitation'`,
          [input.memberId],
        );
        return { invitation: { expiredAt: new Date(token?.expires_at ?? Date.now()).toISOString() }, memberUrl };
      }
      case 'card_instructions':
      case 'card_reminder': {
        const pin = typeof data.pin === 'string' ? data.pin : member.enrollment_pin;
        if (input.template === 'card_instructions' && !pin) throw new Error('card instructions without an enrollment PIN');
        return { card: { pin: pin!, enrollmentUrl } };
      }
      case 'card_overdue':
        return { memberUrl };
      case 'access_active':
        return { card: { number: String(data.cardNumber) }, wifi: read.wifi ? { ssid: read.wifi.ssid, username: read.wifi.username, profileUrl: `${publicUrl}/me` } : null };
      case 'password_reset':
        return { reset: { code: secrets.codeFor(String(data.resetTokenId)), minutes: RESET_CODE_TTL_MS / 60_000 } };
      case 'email_change_confirm':
      case 'email_change_notice': {
        const tokenId = String(data.tokenId);
        const [change] = await em.execute<{ new_email: string; expires_at: Date; from_email: string | null; actor: string | null }[]>(
          `select t.new_email, t.expires_at, a.data->>'from' as from_email, a.actor from auth_token t
             left join audit_event a on a.member_id = t.member_id and a.type = 'member.email_change_requested' and a.data->>'tokenId' = t.id::text
            where t.id = ?`,
          [tokenId],
        );
        if (!change) throw new Error(`e-mail change ${tokenId} not found`);
        const common = { from: change.from_email ?? member.email, to: change.new_email, requestedBy: await actorName(em, change.actor ?? 'system'), expiresAt: new Date(change.expires_at).toISOString() };
        return input.template === 'email_change_confirm'
          ? { change: { ...common, url: `${publicUrl}/email-changes/${encodeURIComponent(secrets.signToken(tokenId))}` } }
          : { change: common };
      }
      case 'removal_notice':
        return { removal: { at: new Date(member.removed_at ?? Date.now()).toISOString() } };
      case 'offboarding_report': {
        const report = data.report as OffboardingReport;
        return {
          report: {
            removedBy: await actorName(em, report.removedBy),
            bySchedule: report.removedBy === 'schedule',
            reason: report.reason,
            statusBefore: report.statusBefore,
            requestedAt: report.requestedAt,
            completedAt: report.completedAt || new Date().toISOString(),
            card: report.card ? { number: report.card.number } : null,
            wifiRevoked: report.wifi.revoked,
            // null: no access point was asked.
            disconnect: report.wifi.disconnect?.length ? countDisconnects(report.wifi.disconnect) : null,
            credentialsRevoked: report.credentialsRevoked,
            memberNotified: report.emails.member > 0,
          },
          memberUrl,
        };
      }
      case 'company_offboarded': {
        const [row] = await em.execute<{ organization_id: string; effective_at: Date; finished_at: Date | null; removed: number; requested_by: string }[]>(
          'select organization_id, effective_at, finished_at, removed, requested_by from company_offboarding where id = ?',
          [String(data.offboardingId)],
        );
        if (!row) throw new Error(`company offboarding ${String(data.offboardingId)} not found`);
        return {
          offboarding: {
            name: member.company,
            effectiveAt: new Date(row.effective_at).toISOString(),
            finishedAt: new Date(row.finished_at ?? Date.now()).toISOString(),
            removed: row.removed,
            requestedBy: await actorName(em, row.requested_by),
            url: `${publicUrl}/operator/companies/${row.organization_id}`,
          },
        };
      }
      case 'webhook_disabled': {
        const [row] = await em.execute<{ url: string; organization_id: string | null; disabled_reason: string | null; failing_since: Date | null; disabled_at: Date | null; last_status: number | null; failed: number }[]>(
          `select e.url, e.organization_id, e.disabled_reason, e.failing_since, e.disabled_at,
                  (select d.last_status_code from webhook_delivery d where d.endpoint_id = e.id and d.last_attempt_at is not null order by d.last_attempt_at desc limit 1) as last_status,
                  (select count(*)::int from webhook_delivery d where d.endpoint_id = e.id and d.status = 'failed') as failed
             from webhook_endpoint e where e.id = ?`,
          [String(data.endpointId)],
        );
        if (!row) throw new Error(`webhook endpoint ${String(data.endpointId)} not found`);
        return {
          webhook: {
            url: row.url,
            host: new URL(row.url).host,
            reason: row.disabled_reason === 'gone' ? 'gone' : 'failing',
            failingSince: new Date(row.failing_since ?? row.disabled_at ?? Date.now()).toISOString(),
            lastStatus: row.last_status,
            failed: row.failed,
            settingsUrl: `${publicUrl}/admin/webhooks/${String(data.endpointId)}`,
          },
        };
      }
      case 'import_finished': {
        const importId = String(data.importId);
        const [head] = await em.execute<{ total: number; source: string; created_at: Date; finished_at: Date | null }[]>(
          'select total, source, created_at, finished_at from member_import where id = ?',
          [importId],
        );
        if (!head) throw new Error(`import ${importId} not found`);
        const counts = await importCounts(em, importId);
        const problems = await em.execute<{ position: number; input: Record<string, unknown>; outcome: string; message: string | null; reason: string | null; reason_params: Record<string, unknown> | null }[]>(
          `select position, input, outcome, message, reason, reason_params from member_import_row
            where member_import_id = ? and outcome in ('skipped', 'failed') order by position limit ?`,
          [importId, IMPORT_PROBLEMS_SHOWN],
        );
        return {
          import: {
            total: head.total,
            ...counts,
            startedAt: new Date(head.created_at).toISOString(),
            finishedAt: new Date(head.finished_at ?? Date.now()).toISOString(),
            url: `${publicUrl}/admin/imports/${importId}`,
            problems: problems.map((p) => ({
              position: displayedRow(head.source, p.position),
              email: typeof p.input.email === 'string' ? p.input.email : '',
              skipped: p.outcome === 'skipped',
              reason: p.reason,
              params: { fields: String(p.reason_params?.fields ?? ''), site: String(p.reason_params?.site ?? ''), row: String(p.reason_params?.row ?? '') },
              message: p.message ?? '',
            })),
            moreProblems: Math.max(0, counts.skipped + counts.failed - problems.length),
          },
        };
      }
    }
  }

  return {
    async sendEmail(input: SendEmailInput): Promise<{ sent: number; failed: number }> {
      // Heartbeats while it works, so that an attempt whose worker died is retried after the
      // heartbeat timeout (seconds) instead of the whole start-to-close timeout.
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await send(input, context.info);
      } finally {
        clearInterval(beat);
      }
    },
  };

  async function send(input: SendEmailInput, info: Context['info']): Promise<{ sent: number; failed: number }> {
    const em = orm.em.fork();
    const workflowId = info.workflowExecution?.workflowId ?? null;
    const workflowRunId = info.workflowExecution?.runId ?? null;
    const people = await recipients(em, input);
    // Read before the row's transaction: a provider uses its own connection, and sends that each
    // hold one connection while waiting for a second exhaust the pool and wait for each other
    // (ten access e-mails at once stalled a pool of ten under `npm run bench`).
    const read: ReadFirst = input.template === 'access_active' ? { wifi: await wifi.credentials(input.memberId) } : {};
    let sent = 0;
    let failed = 0;
    // Read once, and only if some row still has to be sent (a retry after success reads nothing).
    let shared: Awaited<ReturnType<typeof content>> | undefined;
    for (const person of people) {
      const rowKey = input.to === 'member' || input.to === 'new_address' ? input.key : `${input.key}/admin:${person.id}`;
      await em.execute(
        `insert into email_outbox (id, key, organization_id, member_id, to_address, template, locale, data, status, attempts, created_at)
         values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?::jsonb, 'pending', 0, now()) on conflict (key) do nothing`,
        [rowKey, input.companyId, input.memberId, person.email, input.template, person.locale, JSON.stringify(input.data ?? {})],
      );
      const outcome = await em.transactional(async (tx): Promise<Outcome> => {
        const [row] = await tx.execute<OutboxRow[]>('select id, to_address, status from email_outbox where key = ? for update', [rowKey]);
        if (row!.status !== 'pending') return row!.status;
        // On the transaction's own connection: a second one per send could exhaust the pool.
        shared ??= await content(tx, input, read);
        const data = { ...shared, recipient: { name: person.name, email: person.email } };
        const rendered = renderer.render(input.template, person.locale, data as never);
        const messageId = `<${createHash('sha256').update(rowKey).digest('hex').slice(0, 32)}@${domain}>`;
        let failure: string | undefined;
        try {
          await mailer.send({ to: row!.to_address, ...rendered, messageId });
        } catch (error) {
          failure = (error as Error).message;
          const retryFor = Math.min(mailRetryForMs, input.giveUpAfterMs ?? Infinity);
          const givingUp = error instanceof PermanentMailError || Date.now() - info.scheduledTimestampMs >= retryFor;
          if (!givingUp) {
            await tx.execute('update email_outbox set attempts = attempts + 1, last_error = ? where id = ?', [failure, row!.id]);
            return { retry: error };
          }
        }
        if (failure !== undefined) {
          await tx.execute(`update email_outbox set status = 'failed', attempts = attempts + 1, last_error = ? where id = ?`, [failure, row!.id]);
        } else {
          await tx.execute(`update email_outbox set status = 'sent', attempts = attempts + 1, message_id = ?, sent_at = now() where id = ?`, [messageId, row!.id]);
        }
        await recordAudit(tx, {
          companyId: input.companyId, memberId: input.memberId, actor: 'system', type: failure !== undefined ? 'email.failed' : 'email.sent',
          data: { template: input.template, to: row!.to_address, outboxKey: rowKey, ...(failure !== undefined ? { error: failure } : {}) },
          workflowId, workflowRunId, idempotencyKey: `${rowKey}/audit`,
        });
        return failure !== undefined ? 'failed' : 'sent';
      });
      // Thrown after the commit, so the row keeps the attempt and its error.
      if (typeof outcome === 'object') throw outcome.retry;
      if (outcome === 'sent') sent++;
      if (outcome === 'failed') failed++;
    }
    return { sent, failed };
  }
}

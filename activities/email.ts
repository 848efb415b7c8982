// The e-mail outbox. The workflow decides *that* an e-mail goes out (its key: workflow id +
// lifecycle + purpose + sequence); this activity writes one outbox row per recipient under that
// key and sends each row at most once: a retry skips rows already sent. Secrets (invitation link,
// Wi-Fi password) are resolved at send time and never stored in the row or the workflow history.
import type { EntityManager } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import type { MemberLocale } from '../db/entities/index.ts';
import type { Orm } from '../db/orm.ts';
import { recordAudit } from '../domain/audit.ts';
import type { Secrets } from '../domain/secrets.ts';
import { PermanentMailError, type Mailer } from '../mail/mailer.ts';
import { renderEmail, type EmailContext, type EmailTemplate } from '../mail/render.ts';
import type { WifiProvider } from '../providers/wifi.ts';

export interface EmailActivityDeps {
  orm: Orm;
  mailer: Mailer;
  secrets: Secrets;
  wifi: WifiProvider;
  /** Where links in e-mails point (PUBLIC_URL). */
  publicUrl: string;
}

export interface SendEmailInput {
  key: string;
  organizationId: string;
  memberId: string;
  /** The member themself, or every live administrator of the organisation. */
  to: 'member' | 'admins';
  template: EmailTemplate;
  data?: Record<string, unknown>;
}

interface Recipient {
  id: string;
  email: string;
  name: string;
  locale: MemberLocale;
}

interface OutboxRow {
  id: string;
  key: string;
  to_address: string;
  status: 'pending' | 'sent' | 'failed';
}

export function createEmailActivities({ orm, mailer, secrets, wifi, publicUrl }: EmailActivityDeps) {
  const domain = new URL(publicUrl).hostname || 'localhost';

  async function recipients(em: EntityManager, input: SendEmailInput): Promise<Recipient[]> {
    if (input.to === 'member') {
      return em.execute<Recipient[]>('select id, email, name, locale from member where id = ?', [input.memberId]);
    }
    // The member an admin e-mail is about is never its recipient (e.g. an admin being removed).
    return em.execute<Recipient[]>(
      `select id, email, name, locale from member where organization_id = ? and role = 'admin' and status <> 'removed' and id <> ? order by email`,
      [input.organizationId, input.memberId],
    );
  }

  async function context(em: EntityManager, input: SendEmailInput, recipient: Recipient): Promise<EmailContext> {
    const [about] = await em.execute<{ name: string; email: string; organization: string; site: string | null; time_zone: string | null }[]>(
      `select m.name, m.email, o.name as organization, s.name as site, s.time_zone
         from member m join organization o on o.id = m.organization_id left join site s on s.id = m.site_id where m.id = ?`,
      [input.memberId],
    );
    const data = input.data ?? {};
    const ctx: EmailContext = {
      locale: recipient.locale,
      recipientName: recipient.name,
      member: { name: about!.name, email: about!.email },
      organization: { name: about!.organization },
      site: about!.site ? { name: about!.site } : undefined,
      cardEnrollmentUrl: `${publicUrl}/me/card-enrollment`,
      pin: typeof data.pin === 'string' ? data.pin : undefined,
      cardNumber: typeof data.cardNumber === 'string' ? data.cardNumber : undefined,
      report: (data.report as Record<string, unknown> | undefined) ?? undefined,
    };
    if (typeof data.invitationTokenId === 'string') {
      ctx.invitationUrl = `${publicUrl}/invitations/${encodeURIComponent(secrets.signToken(data.invitationTokenId))}`;
      // In the site's local time: that is where the member reads it.
      const timeZone = about!.time_zone ?? 'UTC';
      ctx.invitationExpiresAt = `${new Date(String(data.invitationExpiresAt)).toLocaleString(recipient.locale === 'en' ? 'en-GB' : 'fr-FR', {
        dateStyle: 'long',
        timeStyle: 'short',
        timeZone,
      })} (${timeZone})`;
    }
    if (typeof data.resetTokenId === 'string') {
      ctx.resetCode = secrets.codeFor(data.resetTokenId);
      ctx.resetCodeMinutes = 15;
    }
    if (input.template === 'access_active') ctx.wifi = await wifi.credentials(input.memberId);
    return ctx;
  }

  return {
    async sendEmail(input: SendEmailInput): Promise<{ sent: number; failed: number }> {
      const em = orm.em.fork();
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? null;
      const workflowRunId = Context.current().info.workflowExecution?.runId ?? null;
      const people = await recipients(em, input);
      let sent = 0;
      let failed = 0;
      for (const person of people) {
        const rowKey = input.to === 'member' ? input.key : `${input.key}/admin:${person.id}`;
        const outcome = await em.transactional(async (tx) => {
          await tx.execute(
            `insert into email_outbox (id, key, organization_id, member_id, to_address, template, locale, data, status, attempts, created_at)
             values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?::jsonb, 'pending', 0, now()) on conflict (key) do nothing`,
            [rowKey, input.organizationId, input.memberId, person.email, input.template, person.locale, JSON.stringify(input.data ?? {})],
          );
          // The row lock makes a concurrent attempt of the same activity wait, then see 'sent'.
          const [row] = await tx.execute<OutboxRow[]>('select id, key, to_address, status from email_outbox where key = ? for update', [rowKey]);
          if (row!.status !== 'pending') return row!.status;
          const rendered = renderEmail(input.template, await context(tx, input, person));
          const messageId = `<${createHash('sha256').update(rowKey).digest('hex').slice(0, 32)}@${domain}>`;
          let failure: string | undefined;
          try {
            await mailer.send({ to: row!.to_address, ...rendered, messageId });
          } catch (error) {
            if (!(error instanceof PermanentMailError)) throw error;
            failure = error.message;
          }
          if (failure) {
            await tx.execute(`update email_outbox set status = 'failed', attempts = attempts + 1, last_error = ? where id = ?`, [failure, row!.id]);
          } else {
            await tx.execute(`update email_outbox set status = 'sent', attempts = attempts + 1, message_id = ?, sent_at = now() where id = ?`, [messageId, row!.id]);
          }
          await recordAudit(tx, {
            organizationId: input.organizationId, memberId: input.memberId, actor: 'system', type: failure ? 'email.failed' : 'email.sent',
            data: { template: input.template, to: row!.to_address, outboxKey: rowKey, ...(failure ? { error: failure } : {}) },
            workflowId, workflowRunId, idempotencyKey: `${rowKey}/audit`,
          });
          return failure ? ('failed' as const) : ('sent' as const);
        });
        if (outcome === 'sent') sent++;
        if (outcome === 'failed') failed++;
      }
      return { sent, failed };
    },
  };
}

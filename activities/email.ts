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
import { Context } from '@temporalio/activity';
import { createHash, randomUUID } from 'node:crypto';
import type { RawBuilder } from 'kysely';
import { dbNow, jsonb } from '../db/sql.ts';
import type { Orm } from '../db/orm.ts';
import { recordAudit } from '../domain/audit.ts';
import type { Secrets } from '../domain/secrets.ts';
import { PermanentMailError, type Mailer } from '../mail/mailer.ts';
import type { EmailRenderer } from '../mail/render.ts';
import { createEmailContent, type ReadFirst, type SendEmailInput } from './email-content.ts';
import type { WifiProvider } from '../providers/wifi.ts';

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


type Outcome = 'sent' | 'failed' | { retry: unknown };

const HEARTBEAT_EVERY_MS = 2000;

export function createEmailActivities({ orm, mailer, renderer, secrets, wifi, publicUrl, mailRetryForMs }: EmailActivityDeps) {
  const domain = new URL(publicUrl).hostname || 'localhost';

  const { recipients, content } = createEmailContent({ secrets, publicUrl });

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
      const rowKey = input.to === 'member' || input.to === 'new_address' || input.to === 'visitor' || input.to === 'sign_up_address' ? input.key : `${input.key}/admin:${person.id}`;
      await em
        .getKysely()
        .insertInto('email_outbox')
        .values({
          id: randomUUID(), key: rowKey, organization_id: input.companyId, member_id: input.memberId || null, to_address: person.email, template: input.template, locale: person.locale,
          data: jsonb(input.data ?? {}), status: 'pending', attempts: 0, created_at: dbNow,
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const outcome = await em.transactional(async (tx): Promise<Outcome> => {
        const outbox = tx.getKysely();
        const row = await outbox.selectFrom('email_outbox').select(['id', 'to_address', 'status']).where('key', '=', rowKey).forUpdate().executeTakeFirstOrThrow();
        if (row.status !== 'pending') return row.status;
        // Erased while this e-mail waited (domain/members/erase-member.ts): it goes nowhere, and no trace names them.
        if (input.memberId && (await outbox.selectFrom('member').select('pseudonymised_at').where('id', '=', input.memberId).executeTakeFirst())?.pseudonymised_at) {
          await outbox.deleteFrom('email_outbox').where('id', '=', row.id).execute();
          return 'failed';
        }
        const tried = (set: { status?: 'sent' | 'failed'; last_error?: string; message_id?: string; sent_at?: RawBuilder<Date>; subject?: string }) =>
          outbox.updateTable('email_outbox').set((eb) => ({ ...set, attempts: eb('attempts', '+', 1) })).where('id', '=', row.id).execute();
        // On the transaction's own connection: a second one per send could exhaust the pool.
        shared ??= await content(tx, input, read);
        const data = { ...shared, recipient: { name: person.name, email: person.email } };
        const rendered = renderer.render(input.template, person.locale, data as never);
        const messageId = `<${createHash('sha256').update(rowKey).digest('hex').slice(0, 32)}@${domain}>`;
        let failure: string | undefined;
        try {
          await mailer.send({ to: row.to_address, ...rendered, messageId });
        } catch (error) {
          failure = (error as Error).message;
          const retryFor = Math.min(mailRetryForMs, input.giveUpAfterMs ?? Infinity);
          const givingUp = error instanceof PermanentMailError || Date.now() - info.scheduledTimestampMs >= retryFor;
          if (!givingUp) {
            await tried({ last_error: failure });
            return { retry: error };
          }
        }
        if (failure !== undefined) {
          await tried({ status: 'failed', last_error: failure, subject: rendered.subject.slice(0, 300) });
        } else {
          await tried({ status: 'sent', message_id: messageId, sent_at: dbNow, subject: rendered.subject.slice(0, 300) });
        }
        await recordAudit(tx, {
          companyId: input.companyId, memberId: input.memberId || undefined, actor: 'system', type: failure !== undefined ? 'email.failed' : 'email.sent',
          // A visitor's address stays out of the audit trail, which outlives visitor data.
          data: { template: input.template, to: input.to === 'visitor' ? 'visitor' : row.to_address, outboxKey: rowKey, ...(failure !== undefined ? { error: failure } : {}) },
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

// Webhook delivery's side effects. The relay turns outbox events into deliveries (one per
// subscribed endpoint) and wakes their streams; a stream asks for its next delivery and attempts
// it. Every outcome is written to the delivery row, which is what the log and the API show.
import type { Orm } from '../db/orm.ts';
import type { Secrets } from '../domain/secrets.ts';
import { recordAudit } from '../domain/audit.ts';
import type { WebhookGateway } from '../domain/webhooks/gateway.ts';
import { sendWebhook, type SendResult } from '../domain/webhooks/send.ts';
import { signedHeaders } from '../domain/webhooks/signing.ts';
import { OPERATOR_ONLY_EVENTS } from '../domain/webhooks/events.ts';
import { WEBHOOK_DISABLE_AFTER_MS, WEBHOOK_MAX_RETRY_AFTER_MS, type AttemptOutcome } from '../domain/webhooks/streams.ts';

export interface WebhookActivityDeps {
  orm: Orm;
  secrets: Secrets;
  webhooks: { allowPrivate: boolean; gateway: WebhookGateway };
}

const RELAY_BATCH = 500;
/** A stream woken this long ago whose delivery is still untried is woken again (a lost wake-up). */
const REWAKE_AFTER = '1 minute';
const LOGGED_RESPONSE_CHARS = 2000;

export function createWebhookActivities({ orm, secrets, webhooks }: WebhookActivityDeps) {
  return {
    /** Fans a batch of outbox events out to the endpoints that want them, then wakes their streams. */
    async relayWebhookEvents(): Promise<{ events: number; woken: number; more: boolean }> {
      const em = orm.em.fork();
      const [fanned] = await em.execute<{ events: number }[]>(
        `with batch as (
           select id from webhook_event where fanned_out_at is null order by seq limit ${RELAY_BATCH} for update skip locked
         ), made as (
           insert into webhook_delivery (id, endpoint_id, event_id, stream_key, status, attempts, round_attempts, created_at)
           select gen_random_uuid(), e.id, ev.id,
                  case when ev.only_endpoint_id is not null then 'test' when ev.member_id is not null then ev.member_id::text
                       when ev.organization_id is not null then 'company-' || ev.organization_id else 'operator' end,
                  'pending', 0, 0, now()
             from batch b join webhook_event ev on ev.id = b.id
             join webhook_endpoint e on e.enabled and e.created_at <= ev.occurred_at
                  and (ev.only_endpoint_id is null or ev.only_endpoint_id = e.id)
                  and (e.events is null or jsonb_exists(e.events, ev.type))
                  and ((e.organization_id is null and e.operator_id = ev.operator_id)
                       or (e.organization_id = ev.organization_id and ev.type <> all(?::text[])))
           on conflict (endpoint_id, event_id) do nothing
         ), marked as (
           update webhook_event set fanned_out_at = now() where id in (select id from batch) returning 1
         )
         select count(*)::int as events from marked`,
        [`{${OPERATOR_ONLY_EVENTS.join(',')}}`],
      );
      // Streams with a delivery nobody is working on: new ones, and any whose wake-up was lost
      // (the worker died between the commit and the signal) or whose retry time is well past.
      const streams = await em.execute<{ endpoint_id: string; stream_key: string }[]>(
        `update webhook_delivery d set dispatched_at = now()
           from (select distinct on (endpoint_id, stream_key) id from webhook_delivery
                  where status = 'pending' and stream_key <> 'test'
                    and (dispatched_at is null
                         or (next_attempt_at is null and dispatched_at < now() - interval '${REWAKE_AFTER}')
                         or next_attempt_at < now() - interval '${REWAKE_AFTER}')
                  order by endpoint_id, stream_key) w
          where d.id = w.id
          returning d.endpoint_id, d.stream_key`,
      );
      for (const s of streams) await webhooks.gateway.wakeStream(s.endpoint_id, s.stream_key);
      const events = fanned?.events ?? 0;
      return { events, woken: streams.length, more: events === RELAY_BATCH };
    },

    /** The stream's oldest delivery still to make, if any. */
    async nextWebhookDelivery(input: { endpointId: string; streamKey: string }): Promise<{ id: string; roundAttempts: number } | null> {
      const [row] = await orm.em.fork().execute<{ id: string; round_attempts: number }[]>(
        `select d.id, d.round_attempts from webhook_delivery d join webhook_event ev on ev.id = d.event_id
          where d.endpoint_id = ? and d.stream_key = ? and d.status = 'pending' order by ev.seq limit 1`,
        [input.endpointId, input.streamKey],
      );
      return row ? { id: row.id, roundAttempts: row.round_attempts } : null;
    },

    /**
     * One attempt. `retryInMs` is the schedule's next step (null: this is the last attempt); `at`
     * is the workflow's clock, which the 5-day rule and the log's times follow.
     */
    async attemptWebhookDelivery(input: { deliveryId: string; retryInMs: number | null; at: number }): Promise<AttemptOutcome> {
      const em = orm.em.fork();
      const [row] = await em.execute<{
        status: string; url: string; enabled: boolean; endpoint_id: string; organization_id: string | null; operator_id: string;
        secret: string; previous_secret: string | null; previous_secret_expires_at: Date | null; failing_since: Date | null;
        event_id: string; type: string; data: Record<string, unknown>; occurred_at: Date;
      }[]>(
        `select d.status, e.url, e.enabled, e.id as endpoint_id, e.organization_id, e.operator_id, e.secret, e.previous_secret,
                e.previous_secret_expires_at, e.failing_since, ev.id as event_id, ev.type, ev.data, ev.occurred_at
           from webhook_delivery d join webhook_endpoint e on e.id = d.endpoint_id join webhook_event ev on ev.id = d.event_id
          where d.id = ?`,
        [input.deliveryId],
      );
      if (!row || row.status !== 'pending') return { outcome: 'skipped', status: null };
      const at = new Date(input.at);
      if (!row.enabled) {
        await em.execute(`update webhook_delivery set status = 'failed', last_error = 'endpoint disabled', next_attempt_at = null where id = ?`, [input.deliveryId]);
        return { outcome: 'skipped', status: null };
      }
      const body = JSON.stringify({ type: row.type, timestamp: new Date(row.occurred_at).toISOString(), data: row.data });
      const keys = [secrets.decrypt(row.secret)];
      if (row.previous_secret && row.previous_secret_expires_at && new Date(row.previous_secret_expires_at).getTime() > Date.now()) keys.push(secrets.decrypt(row.previous_secret));
      // Signed at the attempt's time: receivers refuse timestamps far from their clock.
      const result = await sendWebhook(row.url, body, signedHeaders(keys, row.event_id, new Date(), body), { allowPrivate: webhooks.allowPrivate });
      return record(input, row, result, at);
    },
  };

  async function record(
    input: { deliveryId: string; retryInMs: number | null },
    row: { endpoint_id: string; organization_id: string | null; operator_id: string; failing_since: Date | null },
    result: SendResult,
    at: Date,
  ): Promise<AttemptOutcome> {
    const status = result.kind === 'answered' ? result.status : null;
    const delivered = status !== null && status >= 200 && status < 300;
    const gone = status === 410;
    const error =
      result.kind === 'failed' ? result.error.slice(0, 500)
      : delivered ? null
      : status! >= 300 && status! < 400 ? `redirect (${status}): not followed`
      : `answered ${status}`;
    let retryInMs = input.retryInMs;
    if (result.kind === 'answered' && (status === 429 || status === 503) && result.retryAfterMs !== undefined && retryInMs !== null) {
      retryInMs = Math.min(Math.max(result.retryAfterMs, 1000), WEBHOOK_MAX_RETRY_AFTER_MS);
    }
    const failingSince = delivered ? null : row.failing_since ? new Date(row.failing_since) : at;
    const failingTooLong = !delivered && at.getTime() - failingSince!.getTime() >= WEBHOOK_DISABLE_AFTER_MS;
    const disable = gone ? 'gone' : failingTooLong ? 'failing' : null;
    const final = delivered || disable !== null || retryInMs === null;
    return orm.em.fork().transactional(async (tx): Promise<AttemptOutcome> => {
      await tx.execute(
        `update webhook_delivery set attempts = attempts + 1, round_attempts = round_attempts + 1, last_attempt_at = ?, last_status_code = ?,
                last_error = ?, last_response = ?, last_duration_ms = ?, status = ?, delivered_at = ?, next_attempt_at = ?
          where id = ?`,
        [
          at, status, error, result.kind === 'answered' ? result.body.slice(0, LOGGED_RESPONSE_CHARS) : null, result.durationMs,
          delivered ? 'delivered' : final ? 'failed' : 'pending', delivered ? at : null, final ? null : new Date(at.getTime() + retryInMs!), input.deliveryId,
        ],
      );
      await tx.execute('update webhook_endpoint set failing_since = ? where id = ?', [failingSince, row.endpoint_id]);
      if (disable) {
        const [changed] = await tx.execute<{ id: string }[]>(
          `update webhook_endpoint set enabled = false, disabled_reason = ?, disabled_at = ? where id = ? and enabled returning id`,
          [disable, at, row.endpoint_id],
        );
        await tx.execute(
          `update webhook_delivery set status = 'failed', last_error = 'endpoint disabled', next_attempt_at = null where endpoint_id = ? and status = 'pending'`,
          [row.endpoint_id],
        );
        if (changed) {
          await recordAudit(tx, {
            organizationId: row.organization_id, operatorId: row.operator_id, actor: 'system', type: 'webhook.disabled',
            data: { endpointId: row.endpoint_id, reason: disable, lastStatus: status, failingSince: failingSince?.toISOString() ?? null },
          });
          const admin = await firstAdmin(tx, row);
          if (admin) {
            return { outcome: 'failed', status, disabled: { organizationId: admin.organization_id, memberId: admin.id, endpointId: row.endpoint_id, reason: disable, at: at.toISOString() } };
          }
        }
        return { outcome: 'failed', status };
      }
      if (delivered) return { outcome: 'delivered', status: status! };
      if (final) return { outcome: 'failed', status };
      return { outcome: 'retry', retryInMs: retryInMs!, status };
    });
  }
}

/** Whom the disabled-endpoint e-mail is filed under: the company's first admin, or the operator's. */
async function firstAdmin(em: { execute: Orm['em']['execute'] }, endpoint: { organization_id: string | null; operator_id: string }) {
  const [row] = endpoint.organization_id
    ? await em.execute<{ id: string; organization_id: string }[]>(
        `select id, organization_id from member where organization_id = ? and role = 'admin' and status <> 'removed' order by created_at limit 1`,
        [endpoint.organization_id],
      )
    : await em.execute<{ id: string; organization_id: string }[]>(
        `select m.id, m.organization_id from member m join organization o on o.id = m.organization_id
          where o.operator_id = ? and m.operator_admin and m.status <> 'removed' order by m.created_at limit 1`,
        [endpoint.operator_id],
      );
  return row;
}

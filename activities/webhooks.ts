// Webhook delivery's side effects. The relay turns outbox events into deliveries (one per
// subscribed endpoint) and wakes their streams; a stream asks for its next delivery and attempts
// it. Every outcome is written to the delivery row, which is what the log and the API show.
import { Context } from '@temporalio/activity';
import { sql } from 'kysely';
import { dbNow } from '../db/sql.ts';
import type { EntityManager, Orm } from '../db/orm.ts';
import { inPool } from '../lib/pool.ts';
import type { Secrets } from '../domain/secrets.ts';
import { recordAudit } from '../domain/audit.ts';
import type { WebhookGateway } from '../domain/webhooks/gateway.ts';
import { sendWebhook, type SendResult } from '../domain/webhooks/send.ts';
import { signedHeaders } from '../domain/webhooks/signing.ts';
import { OPERATOR_ONLY_EVENTS } from '../domain/webhooks/events.ts';
import type { AttemptOutcome, DisabledEndpoint, StreamStep } from '../contract/workflows.ts';
import { retryDelay, WEBHOOK_DISABLE_AFTER_MS, WEBHOOK_MAX_RETRY_AFTER_MS } from '../domain/webhooks/streams.ts';

export interface WebhookActivityDeps {
  orm: Orm;
  secrets: Secrets;
  webhooks: { allowPrivate: boolean; gateway: WebhookGateway };
}

const RELAY_BATCH = 500;
/** A stream woken this long ago whose delivery is still untried is woken again (a lost wake-up). */
const REWAKE_AFTER = '1 minute';
const LOGGED_RESPONSE_CHARS = 2000;
const WAKE_CONCURRENCY = 32;
/**
 * First attempts the relay makes itself per round: per endpoint, per stream and in all. A round
 * then lasts at most a couple of attempts' 15 s even with slow receivers; the rest wait for the
 * next round (at once) or go to their streams.
 */
const INLINE_PER_ENDPOINT = 16;
const INLINE_PER_STREAM = 3;
const INLINE_PER_ROUND = 64;
const HEARTBEAT_EVERY_MS = 2000;
/** Longer than an attempt can take (15 s): a lease left by a dead worker lapses by itself. */
const LEASE = '45 seconds';

export interface RelayRound {
  events: number;
  /** First attempts made by the relay itself. */
  inline: number;
  woken: number;
  more: boolean;
  /** Endpoints a first attempt disabled (410, or 5 days of failures): their admins are told. */
  disabled: DisabledEndpoint[];
}

export function createWebhookActivities({ orm, secrets, webhooks }: WebhookActivityDeps) {
  return {
    /**
     * Fans a batch of outbox events out to the endpoints that want them. A fresh delivery to a
     * healthy endpoint whose stream has nothing else pending is attempted here at once (the usual
     * case: no workflow to start); anything else, and any failed first attempt, goes to its
     * stream. `at` is the relay workflow's clock.
     */
    async relayWebhookEvents(input: { at?: number } = {}): Promise<RelayRound> {
      // Heartbeats, so that a round whose worker died is retried within seconds.
      const context = activityContext();
      const beat = context ? setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS) : undefined;
      try {
        return await relayRound(input);
      } finally {
        clearInterval(beat);
      }
    },

    /** Attempts the stream's oldest delivery still to make, if any (one activity per attempt). */
    async attemptNextWebhookDelivery(input: { endpointId: string; streamKey: string; at: number; jitter: number }): Promise<StreamStep> {
      const next = await orm.em
        .fork()
        .getKysely()
        .selectFrom('webhook_delivery as d')
        .innerJoin('webhook_event as ev', 'ev.id', 'd.event_id')
        .select(['d.id', 'd.round_attempts', 'd.next_attempt_at'])
        .where('d.endpoint_id', '=', input.endpointId)
        .where('d.stream_key', '=', input.streamKey)
        .where('d.status', '=', 'pending')
        .orderBy('ev.seq')
        .limit(1)
        .executeTakeFirst();
      if (!next) return { outcome: 'idle' };
      // Not due yet (the relay's first attempt failed, or this is a new run of the stream): wait for it.
      const dueIn = next.next_attempt_at ? new Date(next.next_attempt_at).getTime() - input.at : 0;
      if (dueIn > 0) return { outcome: 'retry', retryInMs: dueIn, status: null, deliveryId: next.id };
      const result = await attempt({ deliveryId: next.id, retryInMs: retryDelay(next.round_attempts + 1, input.jitter), at: input.at });
      return { ...result, deliveryId: next.id };
    },

    /**
     * One attempt. `retryInMs` is the schedule's next step (null: this is the last attempt); `at`
     * is the workflow's clock, which the 5-day rule and the log's times follow.
     */
    async attemptWebhookDelivery(input: { deliveryId: string; retryInMs: number | null; at: number }): Promise<AttemptOutcome> {
      return attempt(input);
    },
  };

  async function relayRound(input: { at?: number }): Promise<RelayRound> {
    const em = orm.em.fork();
    // The outbox's three statements stay SQL on purpose: each is one atomic step over CTEs (take a
    // batch with skip locked, fan it out, mark it), which is the point of writing them at all.
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
    const events = fanned?.events ?? 0;

    // Taken for a first attempt here: new, of an endpoint with no failure run going on, in a
    // stream no one else works on; a few per endpoint, so one slow receiver holds back little.
    const claimed = await em.execute<{ id: string; endpoint_id: string; stream_key: string; seq: number }[]>(
      `with fresh as (
         select d.id, d.endpoint_id, d.stream_key, ev.seq,
                row_number() over (partition by d.endpoint_id order by ev.seq) as nth,
                row_number() over (partition by d.endpoint_id, d.stream_key order by ev.seq) as in_stream
           from webhook_delivery d join webhook_event ev on ev.id = d.event_id join webhook_endpoint e on e.id = d.endpoint_id
          where d.status = 'pending' and d.dispatched_at is null and d.stream_key <> 'test' and e.enabled and e.failing_since is null
            and not exists (select 1 from webhook_delivery o where o.endpoint_id = d.endpoint_id and o.stream_key = d.stream_key
                               and o.status = 'pending' and o.dispatched_at is not null)
       )
       update webhook_delivery d set dispatched_at = now()
         from (select * from fresh where nth <= ${INLINE_PER_ENDPOINT} and in_stream <= ${INLINE_PER_STREAM} order by seq limit ${INLINE_PER_ROUND}) f
        where d.id = f.id and d.dispatched_at is null
        returning d.id, d.endpoint_id, d.stream_key, f.seq`,
    );
    const lanes = new Map<string, typeof claimed>();
    for (const c of claimed.sort((a, b) => Number(a.seq) - Number(b.seq))) {
      const lane = `${c.endpoint_id} ${c.stream_key}`;
      lanes.set(lane, [...(lanes.get(lane) ?? []), c]);
    }
    const disabled: DisabledEndpoint[] = [];
    const handOver: { endpoint_id: string; stream_key: string }[] = [];
    await inPool([...lanes.values()], WAKE_CONCURRENCY, async (lane) => {
      for (const c of lane) {
        const result = await attempt({ deliveryId: c.id, retryInMs: retryDelay(1, Math.random()), at: input.at ?? Date.now() });
        if (result.outcome === 'failed' && result.disabled) disabled.push(result.disabled);
        // Failed once (or busy): its stream retries it and delivers the rest of the lane after it.
        // (The rest of the lane was claimed with it, so only the stream will take them.)
        if (result.outcome === 'retry' || result.outcome === 'busy') {
          handOver.push(c);
          return;
        }
      }
    });

    // Streams with a delivery nobody is working on: new ones for a failing endpoint or behind an
    // earlier one, and any whose wake-up was lost (a worker died between the commit and the signal) or whose retry time
    // is well past. Every pending delivery of a woken stream is marked: the stream has them.
    const streams = await em.execute<{ endpoint_id: string; stream_key: string }[]>(
      `with woken as (
         select distinct d.endpoint_id, d.stream_key from webhook_delivery d join webhook_endpoint e on e.id = d.endpoint_id
          where d.status = 'pending' and d.stream_key <> 'test'
            and ((d.dispatched_at is null
                  -- new ones the relay does not take itself (those wait for its next round)
                  and (e.failing_since is not null or not e.enabled
                       or exists (select 1 from webhook_delivery o where o.endpoint_id = d.endpoint_id and o.stream_key = d.stream_key
                                    and o.status = 'pending' and o.dispatched_at is not null)))
                 or (d.next_attempt_at is null and d.leased_until is null and d.dispatched_at < now() - interval '${REWAKE_AFTER}')
                 or d.next_attempt_at < now() - interval '${REWAKE_AFTER}')
       ), marked as (
         update webhook_delivery d set dispatched_at = now() from woken w
          where d.endpoint_id = w.endpoint_id and d.stream_key = w.stream_key and d.status = 'pending'
          returning d.endpoint_id, d.stream_key
       )
       select distinct endpoint_id, stream_key from marked`,
    );
    const wake = new Map([...handOver, ...streams].map((s) => [`${s.endpoint_id} ${s.stream_key}`, s]));
    // In parallel: one at a time, a bulk import's 300 new streams waited seconds for their turn.
    await inPool([...wake.values()], WAKE_CONCURRENCY, (s) => webhooks.gateway.wakeStream(s.endpoint_id, s.stream_key));
    return { events, inline: claimed.length, woken: wake.size, more: events === RELAY_BATCH || claimed.length > 0, disabled };
  }

  async function attempt(input: { deliveryId: string; retryInMs: number | null; at: number }): Promise<AttemptOutcome> {
    const em = orm.em.fork();
    const db = em.getKysely();
    const row = await db
      .selectFrom('webhook_delivery as d')
      .innerJoin('webhook_endpoint as e', 'e.id', 'd.endpoint_id')
      .innerJoin('webhook_event as ev', 'ev.id', 'd.event_id')
      .select([
        'd.status', 'e.url', 'e.enabled', 'e.id as endpoint_id', 'e.organization_id', 'e.operator_id', 'e.secret', 'e.previous_secret',
        'e.previous_secret_expires_at', 'e.failing_since', 'ev.id as event_id', 'ev.type', 'ev.data', 'ev.occurred_at',
      ])
      .where('d.id', '=', input.deliveryId)
      .executeTakeFirst();
    if (!row || row.status !== 'pending') return { outcome: 'skipped', status: null };
    const leased = await db
      .updateTable('webhook_delivery')
      .set({ leased_until: sql<Date>`now() + ${LEASE}::interval` })
      .where('id', '=', input.deliveryId)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', dbNow)]))
      .returning('id')
      .executeTakeFirst();
    if (!leased) return { outcome: 'busy', status: null };
    const at = new Date(input.at);
    if (!row.enabled) {
      await db.updateTable('webhook_delivery').set({ status: 'failed', last_error: 'endpoint disabled', next_attempt_at: null, leased_until: null }).where('id', '=', input.deliveryId).execute();
      return { outcome: 'skipped', status: null };
    }
    const body = JSON.stringify({ type: row.type, timestamp: new Date(row.occurred_at).toISOString(), data: row.data });
    const keys = [secrets.decrypt(row.secret)];
    if (row.previous_secret && row.previous_secret_expires_at && new Date(row.previous_secret_expires_at).getTime() > Date.now()) keys.push(secrets.decrypt(row.previous_secret));
    // Signed at the attempt's time: receivers refuse timestamps far from their clock.
    const result = await sendWebhook(row.url, body, signedHeaders(keys, row.event_id, new Date(), body), { allowPrivate: webhooks.allowPrivate });
    return record(input, row, result, at);
  }

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
      const db = tx.getKysely();
      await db
        .updateTable('webhook_delivery')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          round_attempts: eb('round_attempts', '+', 1),
          last_attempt_at: at,
          last_status_code: status,
          last_error: error,
          last_response: result.kind === 'answered' ? result.body.slice(0, LOGGED_RESPONSE_CHARS) : null,
          last_duration_ms: result.durationMs,
          status: delivered ? 'delivered' : final ? 'failed' : 'pending',
          delivered_at: delivered ? at : null,
          next_attempt_at: final ? null : new Date(at.getTime() + retryInMs!),
          leased_until: null,
        }))
        .where('id', '=', input.deliveryId)
        .execute();
      await db.updateTable('webhook_endpoint').set({ failing_since: failingSince }).where('id', '=', row.endpoint_id).execute();
      if (disable) {
        const changed = await db
          .updateTable('webhook_endpoint')
          .set({ enabled: false, disabled_reason: disable, disabled_at: at })
          .where('id', '=', row.endpoint_id)
          .where('enabled', '=', true)
          .returning('id')
          .executeTakeFirst();
        await db
          .updateTable('webhook_delivery')
          .set({ status: 'failed', last_error: 'endpoint disabled', next_attempt_at: null })
          .where('endpoint_id', '=', row.endpoint_id)
          .where('status', '=', 'pending')
          .execute();
        if (changed) {
          await recordAudit(tx, {
            companyId: row.organization_id, operatorId: row.operator_id, actor: 'system', type: 'webhook.disabled',
            data: { endpointId: row.endpoint_id, reason: disable, lastStatus: status, failingSince: failingSince?.toISOString() ?? null },
          });
          const admin = await firstAdmin(tx, row);
          if (admin) {
            return { outcome: 'failed', status, disabled: { companyId: admin.organization_id, memberId: admin.id, endpointId: row.endpoint_id, reason: disable, at: at.toISOString() } };
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
async function firstAdmin(em: EntityManager, endpoint: { organization_id: string | null; operator_id: string }) {
  const live = em.getKysely().selectFrom('member as m').select(['m.id', 'm.organization_id']).where('m.status', '<>', 'removed').orderBy('m.created_at').limit(1);
  return endpoint.organization_id
    ? live.where('m.organization_id', '=', endpoint.organization_id).where('m.role', '=', 'admin').executeTakeFirst()
    : live.innerJoin('organization as o', 'o.id', 'm.organization_id').where('o.operator_id', '=', endpoint.operator_id).where('m.operator_admin', '=', true).executeTakeFirst();
}

/** The activity's context; none when called directly (the time-skipping tests run the relay's step themselves). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

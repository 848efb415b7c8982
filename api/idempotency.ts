// `Idempotency-Key` on creating requests: an HR system that retries after a timeout gets the first
// answer again instead of a second member. Keys are per company and kept 24 hours; the same
// key with another request is refused, and one still being answered says so.
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { dbNow, jsonb } from '../db/sql.ts';
import type { EntityManager } from '../db/orm.ts';
import type { Context } from 'koa';
import { AppError } from '../http/errors.ts';

const KEY = /^[\x21-\x7e]{1,255}$/;
/** Longer than any request takes: the API waits at most a minute on a workflow. */
export const ABANDONED_AFTER_SECONDS = 60;

export function createIdempotency(em: () => EntityManager) {
  return async function idempotent(ctx: Context, companyId: string, run: () => Promise<void>): Promise<void> {
    const key = ctx.get('Idempotency-Key');
    if (!KEY.test(key)) throw new AppError('idempotency-key-invalid', 400, 'The Idempotency-Key header is not valid', { detail: 'use 1 to 255 visible ASCII characters, e.g. a UUID' });
    const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
    const requestHash = createHash('sha256').update(`${ctx.method} ${ctx.path}\n${ctx.get('Content-Type')}\n${raw}`).digest('hex');
    const db = em();
    const records = db.getKysely();
    await records.deleteFrom('idempotency_record').where('created_at', '<', sql<Date>`now() - interval '24 hours'`).execute();
    // A claim still unanswered after a minute was abandoned: its request died with its process, or
    // the database went away before the claim could be released (a restart). The same request
    // takes it over; otherwise every retry would hear "still being answered" for 24 hours.
    const claimed = await records
      .insertInto('idempotency_record')
      .values({ id: randomUUID(), organization_id: companyId, key, request_hash: requestHash, created_at: dbNow })
      .onConflict((oc) =>
        oc
          .columns(['organization_id', 'key'])
          .doUpdateSet({ created_at: dbNow })
          .where('idempotency_record.response_status', 'is', null)
          .whereRef('idempotency_record.request_hash', '=', 'excluded.request_hash')
          .where('idempotency_record.created_at', '<', sql<Date>`now() - make_interval(secs => ${ABANDONED_AFTER_SECONDS})`),
      )
      .returning('id')
      .executeTakeFirst();
    if (!claimed) {
      const record = await records
        .selectFrom('idempotency_record')
        .select(['request_hash', 'response_status', 'response_body'])
        .where('organization_id', '=', companyId)
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      if (record.request_hash !== requestHash) {
        throw new AppError('idempotency-key-reused', 422, 'This Idempotency-Key was used for another request', { detail: 'use a new key for each distinct request' });
      }
      if (record.response_status === null) {
        throw new AppError('idempotency-request-in-progress', 409, 'The first request with this Idempotency-Key is still being answered', { headers: { 'Retry-After': '1' } });
      }
      ctx.status = record.response_status;
      ctx.body = record.response_body;
      ctx.set('Idempotent-Replayed', 'true');
      return;
    }
    const forget = () => records.deleteFrom('idempotency_record').where('organization_id', '=', companyId).where('key', '=', key).execute();
    try {
      await run();
    } catch (error) {
      // Nothing was created: a retry may run again (and meets the same refusal if there was one).
      await forget();
      throw error;
    }
    if (ctx.status >= 500) await forget();
    else {
      await records
        .updateTable('idempotency_record')
        .set({ response_status: ctx.status, response_body: jsonb(ctx.body ?? null) })
        .where('organization_id', '=', companyId)
        .where('key', '=', key)
        .execute();
    }
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;

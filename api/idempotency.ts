// `Idempotency-Key` on creating requests: an HR system that retries after a timeout gets the first
// answer again instead of a second member. Keys are per company and kept 24 hours; the same
// key with another request is refused, and one still being answered says so.
import { createHash } from 'node:crypto';
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
    await db.execute(`delete from idempotency_record where created_at < now() - interval '24 hours'`);
    // A claim still unanswered after a minute was abandoned: its request died with its process, or
    // the database went away before the claim could be released (a restart). The same request
    // takes it over; otherwise every retry would hear "still being answered" for 24 hours.
    const claimed = await db.execute(
      `insert into idempotency_record (id, organization_id, key, request_hash, created_at) values (gen_random_uuid(), ?, ?, ?, now())
       on conflict (organization_id, key) do update set created_at = now()
         where idempotency_record.response_status is null and idempotency_record.request_hash = excluded.request_hash
           and idempotency_record.created_at < now() - interval '${ABANDONED_AFTER_SECONDS} seconds'
       returning id`,
      [companyId, key, requestHash],
    );
    if (!claimed.length) {
      const [record] = await db.execute<{ request_hash: string; response_status: number | null; response_body: unknown }[]>(
        'select request_hash, response_status, response_body from idempotency_record where organization_id = ? and key = ?',
        [companyId, key],
      );
      if (record!.request_hash !== requestHash) {
        throw new AppError('idempotency-key-reused', 422, 'This Idempotency-Key was used for another request', { detail: 'use a new key for each distinct request' });
      }
      if (record!.response_status === null) {
        throw new AppError('idempotency-request-in-progress', 409, 'The first request with this Idempotency-Key is still being answered', { headers: { 'Retry-After': '1' } });
      }
      ctx.status = record!.response_status;
      ctx.body = record!.response_body;
      ctx.set('Idempotent-Replayed', 'true');
      return;
    }
    const forget = () => db.execute('delete from idempotency_record where organization_id = ? and key = ?', [companyId, key]);
    try {
      await run();
    } catch (error) {
      // Nothing was created: a retry may run again (and meets the same refusal if there was one).
      await forget();
      throw error;
    }
    if (ctx.status >= 500) await forget();
    else await db.execute('update idempotency_record set response_status = ?, response_body = ?::jsonb where organization_id = ? and key = ?', [ctx.status, JSON.stringify(ctx.body ?? null), companyId, key]);
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;

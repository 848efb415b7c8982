import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../lib/logger.ts';
import { redactPath } from '../http/redact.ts';

const ACCEPTABLE_ID = /^[\w.:-]{1,128}$/;

/** Gives every request an id (the caller's X-Request-Id when sane) and logs one line per request. */
export function requestLog(logger: Logger) {
  return async function log(ctx: Context, next: Next) {
    const incoming = ctx.get('X-Request-Id');
    const requestId = ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      logger.info(
        { requestId, method: ctx.method, path: redactPath(ctx.path), status: ctx.status, ms: Math.round(performance.now() - started) },
        'request',
      );
    }
  };
}

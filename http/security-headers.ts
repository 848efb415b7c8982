// Headers every answer carries (the pages add their own CSP and framing rules on top).
import { timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';

export function securityHeaders(production: boolean) {
  return async function headers(ctx: Context, next: Next) {
    try {
      await next();
    } finally {
      // A JSON answer must never be sniffed into HTML or script.
      ctx.set('X-Content-Type-Options', 'nosniff');
      // An answer for a signed-in caller (member data, session tokens) stays out of every cache.
      // (A door controller's access list keeps its own no-cache: it revalidates by ETag.)
      const who = (ctx.state.principal as { kind?: string } | undefined)?.kind;
      if (ctx.get('Authorization') || who === 'member' || who === 'api_key') ctx.set('Cache-Control', 'no-store');
      if (production) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    }
  };
}

/** `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time; no token configured, no access. */
export function metricsAllowed(ctx: Context, token: string | undefined): boolean {
  if (!token) return false;
  const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'))?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

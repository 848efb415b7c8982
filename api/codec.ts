// Temporal's remote codec protocol (POST /codec/decode, /codec/encode, JSON `{payloads: [...]}`),
// so the Temporal web UI and CLI show decrypted payloads to the operator's admins, and to nobody
// else: an operator key (`Authorization: Bearer`) or an operator admin's session cookie, which the
// UI sends when its "Include cross-origin credentials" setting is on. Browsers may call it from the
// Temporal UI's origin only (TEMPORAL_UI_URL).
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { EntityManager } from '../db/orm.ts';
import { AppError } from '../http/errors.ts';
import { apiKeyOrSession, checkScopes, credentialOf, isOperator } from './auth.ts';

const Base64 = z.string().max(4_000_000).regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const CodecBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), Base64).optional(), data: Base64.optional() })).max(10_000),
});

const fromJson = (p: z.output<typeof CodecBody>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export function codecRouter(deps: { em: () => EntityManager; codec: PayloadCodec; uiOrigin: string; ownOrigin: string }): Router {
  const router = new Router({ prefix: '/codec' });
  const cors = (ctx: Context) => {
    ctx.vary('Origin');
    if (ctx.get('Origin') !== deps.uiOrigin) return;
    ctx.set('Access-Control-Allow-Origin', deps.uiOrigin);
    ctx.set('Access-Control-Allow-Credentials', 'true');
  };
  router.options(['/decode', '/encode'], (ctx) => {
    cors(ctx);
    if (ctx.get('Origin') === deps.uiOrigin) {
      ctx.set('Access-Control-Allow-Methods', 'POST');
      ctx.set('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
      ctx.set('Access-Control-Max-Age', '600');
    }
    ctx.status = 204;
  });
  for (const direction of ['decode', 'encode'] as const) {
    router.post(`/${direction}`, async (ctx) => {
      cors(ctx);
      const origin = ctx.get('Origin');
      // A page of another origin gets no answer it could read anyway; say so rather than work for it.
      if (origin && origin !== deps.uiOrigin && origin !== deps.ownOrigin) {
        throw new AppError('forbidden', 403, 'Not from this origin', { detail: `the codec answers the Temporal UI at ${deps.uiOrigin} only` });
      }
      const credential = credentialOf(ctx);
      if (!credential) {
        ctx.set('WWW-Authenticate', 'Bearer');
        throw new AppError('unauthenticated', 401, 'Authentication is required', { detail: 'send an operator API key as "Authorization: Bearer <key>", or sign in to the console as an operator admin' });
      }
      const principal = await apiKeyOrSession(deps.em(), credential.token);
      if (!isOperator(principal)) throw new AppError('forbidden', 403, 'The operator\'s admins only', { detail: 'decoded workflow payloads hold personal data: only operator admins read them' });
      // Decoding reads (`read` is enough); encoding writes what a workflow will be given.
      checkScopes(direction === 'decode' ? 'GET' : 'POST', 'operator', principal);
      if (!ctx.is('application/json')) throw new AppError('unsupported-media-type', 415, 'JSON only', { detail: 'send {"payloads": [...]} as application/json' });
      const body = CodecBody.safeParse(ctx.request.body);
      if (!body.success) {
        throw new AppError('validation-failed', 400, 'The payloads are not valid', { detail: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 5).join('; ') });
      }
      let payloads: Payload[];
      try {
        payloads = await deps.codec[direction](body.data.payloads.map(fromJson));
      } catch (error) {
        throw new AppError('undecodable-payload', 422, 'A payload could not be decrypted', { detail: (error as Error).message });
      }
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { payloads: payloads.map(toJson) };
    });
  }
  return router;
}

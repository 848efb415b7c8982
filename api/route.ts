// A route is declared once: its zod schemas validate the request in the handler and describe the
// operation in the OpenAPI document, so the two cannot drift apart. It also says who may call it
// (`auth`) and whether it honours `Idempotency-Key`.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { WEBHOOK_DATA_SCHEMAS, webhookPayloadSchema } from '../http/schemas/webhook-events.schema.ts';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { Authenticate, AuthKind, PrincipalFor } from './auth.ts';
import type { ApiKeyScope } from '../db/entities/index.ts';
import { AppError } from '../http/errors.ts';
import type { Idempotency } from './idempotency.ts';
import { checkRequestText } from '../http/request-text.ts';
import { ProblemSchema } from '../http/problem.schema.ts';
import { stateTextRules } from './openapi-text-rules.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
  /** Further representations of the same answer (e.g. text/csv). */
  alternatives?: Record<string, z.ZodType>;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, A extends AuthKind | undefined> {
  method: Method;
  /** OpenAPI style: `/v1/members/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  auth?: A;
  /** Honours `Idempotency-Key` (kept per company: admin routes only). */
  idempotent?: boolean;
  /**
   * Admin routes an operator admin may call for a company: the company is the one of the member
   * (or import) in the path, or `companyId`; `across` lets an operator key list every company's.
   */
  company?: 'member' | 'import' | 'across';
  /** Key scopes accepted besides the kind's own (`members`/`read`, or `companies`). */
  scopes?: readonly ApiKeyScope[];
  params?: P;
  query?: Q;
  body?: B;
  /** Also takes a `text/csv` body, handed to the handler as `csv`. */
  acceptsCsv?: boolean;
  responses: Record<number, RouteResponse>;
}

export interface Input<P, Q, B, A> {
  params: P;
  query: Q;
  body: B;
  /** The text of a `text/csv` request (routes with `acceptsCsv`). */
  csv?: string;
  principal: PrincipalFor<A>;
}

export interface Route {
  spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType, AuthKind | undefined>;
  handle(ctx: Context, principal: unknown): Promise<void>;
}

export function defineRoute<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
  A extends AuthKind | undefined = undefined,
>(
  spec: RouteSpec<P, Q, B, A>,
  handler: (input: Input<z.output<P>, z.output<Q>, z.output<B>, A>, ctx: Context) => Promise<void> | void,
): Route {
  return {
    spec: spec as unknown as Route['spec'],
    async handle(ctx, principal) {
      const csv = spec.acceptsCsv && ctx.is('text/csv') ? String(ctx.request.body ?? '') : undefined;
      const input = {
        params: (spec.params ? spec.params.parse(ctx.params) : undefined) as z.output<P>,
        query: (spec.query ? spec.query.parse(ctx.query) : undefined) as z.output<Q>,
        body: (spec.body && csv === undefined ? spec.body.parse(ctx.request.body) : undefined) as z.output<B>,
        csv,
        principal: principal as PrincipalFor<A>,
      };
      await handler(input, ctx);
    },
  };
}

const koaPath = (openApiPath: string) => openApiPath.replace(/\{(\w+)\}/g, ':$1');

const hasBody = (ctx: Context) => Number(ctx.get('Content-Length') || 0) > 0 || ctx.get('Transfer-Encoding') !== '';

export function mountRoutes(router: Router, routes: Route[], deps: { authenticate: Authenticate; idempotency: Idempotency }): void {
  // `/v1/members/bulk` is a path of its own (POST), not the member "bulk": a PATCH there matched
  // `/v1/members/{id}` and answered 404 for that member, where it is a 405 with Allow: POST.
  const literalPaths = new Map<string, string[]>();
  for (const { spec } of routes) {
    if (!spec.path.includes('{')) literalPaths.set(spec.path, [...(literalPaths.get(spec.path) ?? []), spec.method.toUpperCase()]);
  }
  for (const route of routes) {
    const { spec } = route;
    const parameterised = spec.path.includes('{');
    router[spec.method](spec.operationId, koaPath(spec.path), async (ctx) => {
      const literal = parameterised ? literalPaths.get(ctx.path) : undefined;
      if (literal) {
        const allow = [...new Set([...literal, ...(literal.includes('GET') ? ['HEAD'] : [])])].join(', ');
        throw new AppError('method-not-allowed', 405, `${ctx.method} is not allowed on ${ctx.path}`, { detail: `this path takes ${allow}`, headers: { Allow: allow } });
      }
      if (spec.body && hasBody(ctx)) {
        const types = spec.acceptsCsv ? ['application/json', 'text/csv'] : ['application/json'];
        if (!ctx.is(...types)) {
          throw new AppError('unsupported-media-type', 415, 'Unsupported request body type', { detail: `send ${types.join(' or ')}` });
        }
      }
      checkRequestText(ctx);
      const principal = spec.auth ? await deps.authenticate(ctx, spec.auth, spec.company, spec.scopes) : undefined;
      ctx.state.principal = principal;
      const key = ctx.get('Idempotency-Key');
      if (spec.idempotent && key && principal && 'companyId' in principal && principal.companyId) {
        await deps.idempotency(ctx, principal.companyId, () => route.handle(ctx, principal));
      } else {
        await route.handle(ctx, principal);
      }
    });
  }
}

const problemResponse = {
  description: 'Problem details (RFC 9457)',
  content: { 'application/problem+json': { schema: ProblemSchema } },
};

const SECURITY: Record<AuthKind, Record<string, string[]>[]> = {
  admin: [{ apiKey: [] }, { memberSession: [] }, { memberSessionCookie: [] }],
  operator: [{ apiKey: [] }, { memberSession: [] }, { memberSessionCookie: [] }],
  member: [{ memberSession: [] }, { memberSessionCookie: [] }],
  company: [{ apiKey: [] }, { memberSession: [] }, { memberSessionCookie: [] }],
  door: [{ doorController: [], doorSignature: [] }],
};

const IdempotencyHeader = z.object({
  'idempotency-key': z.string().max(255).optional().meta({ description: 'Retrying with the same key and body returns the first answer (24 hours)' }),
});

export function openApiDocument(routes: Route[], info: { title: string; version: string; description?: string }, serverUrl: string) {
  const paths: ZodOpenApiPathsObject = {};
  for (const { spec } of routes) {
    const bodyContent = {
      ...(spec.body ? { 'application/json': { schema: spec.body } } : {}),
      ...(spec.acceptsCsv ? { 'text/csv': { schema: z.string().meta({ description: 'A header row then one member per row' }) } } : {}),
    };
    const operation: ZodOpenApiOperationObject = {
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: spec.tags,
      ...(spec.auth ? { security: SECURITY[spec.auth] } : { security: [] }),
      requestParams: {
        ...(spec.params ? { path: spec.params as never } : {}),
        ...(spec.query ? { query: spec.query as never } : {}),
        ...(spec.idempotent ? { header: IdempotencyHeader } : {}),
      },
      ...(Object.keys(bodyContent).length ? { requestBody: { required: true, content: bodyContent } } : {}),
      responses: {
        ...Object.fromEntries(
          Object.entries(spec.responses).map(([status, r]) => [
            status,
            {
              description: r.description,
              ...(r.schema
                ? {
                    content: {
                      [r.contentType ?? 'application/json']: { schema: r.schema },
                      ...Object.fromEntries(Object.entries(r.alternatives ?? {}).map(([type, schema]) => [type, { schema }])),
                    },
                  }
                : {}),
            },
          ]),
        ),
        default: problemResponse,
      },
    };
    paths[spec.path] = { ...paths[spec.path], [spec.method]: operation };
  }
  return stateTextRules(createDocument({
    openapi: '3.1.0',
    info,
    servers: [{ url: serverUrl }],
    paths,
    webhooks: webhookDocuments(),
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`mo_…`): a company\'s, for its HR system, or the operator\'s (companies, sites, doors, card stock, and any company\'s members with `companyId`)' },
        memberSession: { type: 'http', scheme: 'bearer', description: 'A member session from sign-in or from accepting an invitation' },
        memberSessionCookie: { type: 'apiKey', in: 'cookie', name: 'mo_session', description: 'The same session as an HttpOnly cookie (the pages)' },
        doorController: { type: 'apiKey', in: 'header', name: 'X-Door-Controller', description: 'The door controller id' },
        doorSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Signature',
          description: '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; refused when older than 5 minutes or replayed',
        },
      },
    },
  }));
}

const WebhookHeaders = z.object({
  'webhook-id': z.string().meta({ description: 'The event\'s id: the same on every attempt, so a receiver can drop a second copy' }),
  'webhook-timestamp': z.string().meta({ description: 'Unix seconds of this attempt; refuse ones far from your clock (the reference libraries allow 5 minutes)' }),
  'webhook-signature': z.string().meta({
    description: '`v1,<base64 HMAC-SHA256(secret, "<webhook-id>.<webhook-timestamp>.<body>")>`, space-separated when a rotated secret still signs. Verify with the `standardwebhooks` libraries',
  }),
});

/** What receivers get: one POST per event type, its body's schema, and the signing headers. */
function webhookDocuments(): ZodOpenApiPathsObject {
  return Object.fromEntries(
    Object.entries(WEBHOOK_DATA_SCHEMAS).map(([type, { summary, data }]) => [
      type,
      {
        post: {
          operationId: `webhook_${type.replace(/\W/g, '_')}`,
          summary,
          tags: ['webhooks'],
          requestParams: { header: WebhookHeaders },
          requestBody: { required: true, content: { 'application/json': { schema: webhookPayloadSchema(type, data) } } },
          responses: {
            '2XX': { description: 'Received. Anything else (a redirect too) is retried: immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h' },
            '410': { description: 'Gone: the endpoint is disabled and receives nothing more' },
            '429': { description: 'Slow down: Retry-After (seconds or a date) sets the next attempt; 503 too' },
          },
        },
      },
    ]),
  );
}

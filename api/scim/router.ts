// SCIM 2.0 at /scim/v2 for a company's identity provider. Its own floor: SCIM error JSON for every
// refusal (never problem+json, never a 500 for bad input), a company API key with the scope
// `scim`, and one audit event per call under that key's name.
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { EntityManager } from '../../db/orm.ts';
import { NamespaceNotFoundError, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { recordAudit } from '../../domain/audit.ts';
import { createGroup, deleteGroup, getGroup, listGroups, patchGroup, replaceGroup } from '../../domain/scim/groups.ts';
import { SCHEMA, ScimError } from '../../domain/scim/resources.ts';
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser, type ScimCaller, type ScimDeps } from '../../domain/scim/users.ts';
import { searchAll } from '../../domain/scim/search.ts';
import type { LifecycleGateway } from '../../domain/members/lifecycle-gateway.ts';
import { isDatabaseUnavailable } from '../../db/unavailable.ts';
import type { Logger } from '../../lib/logger.ts';
import { isBadContentEncoding } from '../../http/errors.ts';
import { checkRequestText } from '../../http/request-text.ts';
import { apiKeyOrSession } from '../auth.ts';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.ts';
import { names, project, projectList, type Projection } from './projection.ts';
import { ROUTER_METHODS } from '../../http/methods.ts';

export const SCIM_PREFIX = '/scim/v2';
const SCIM_TYPE = 'application/scim+json; charset=utf-8';

function answer(ctx: Context, status: number, body?: unknown): void {
  ctx.status = status;
  if (body !== undefined) {
    ctx.body = body;
    ctx.type = SCIM_TYPE;
  }
}

function errorBody(status: number, detail: string, scimType?: string) {
  return { schemas: [SCHEMA.error], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

/** Mounted before the body parser: a body that is not JSON is a SCIM error too. */
export function scimErrors(logger: Logger): Middleware {
  return async (ctx: Context, next: Next) => {
    if (!ctx.path.startsWith(`${SCIM_PREFIX}/`) && ctx.path !== SCIM_PREFIX) return next();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) answer(ctx, 404, errorBody(404, `no SCIM resource at ${ctx.path}`));
      else if (ctx.status === 405 || ctx.status === 501) answer(ctx, ctx.status, errorBody(ctx.status, `${ctx.method} is not supported here`));
    } catch (error) {
      const { status, detail, scimType } = describe(error, logger, ctx);
      answer(ctx, status, errorBody(status, detail, scimType));
    }
  };
}

function describe(error: unknown, logger: Logger, ctx: Context): { status: number; detail: string; scimType?: string } {
  if (error instanceof ScimError) return { status: error.status, detail: error.message, scimType: error.scimType };
  if (isBadContentEncoding(error)) return { status: 400, detail: 'the body is not what its Content-Encoding says', scimType: 'invalidSyntax' };
  const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const scimType = status === 400 ? 'invalidSyntax' : undefined;
    return { status, detail: status === 413 ? 'the body is too large' : status === 400 ? 'the body is not valid JSON' : (error as Error).message, scimType };
  }
  if (error instanceof ServiceError || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || error instanceof NamespaceNotFoundError || isDatabaseUnavailable(error)) {
    ctx.set('Retry-After', '5');
    return { status: 503, detail: 'the service is busy or restarting: try again shortly' };
  }
  logger.error({ err: error, path: ctx.path }, 'SCIM request failed');
  return { status: 500, detail: 'an unexpected error; it has been logged' };
}

const intParam = (value: unknown, name: string): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new ScimError(400, `${name} must be a whole number`, 'invalidValue');
  return n;
};

const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** A list's parameters, from the query string (GET) or a SearchRequest body (POST …/.search). */
const listQuery = (from: Record<string, unknown>) => {
  const filter = from.filter;
  if (filter !== undefined && typeof filter !== 'string') throw new ScimError(400, 'give one filter', 'invalidFilter');
  if (typeof filter === 'string' && filter.length > 2000) throw new ScimError(400, 'the filter is longer than 2000 characters', 'invalidFilter');
  const projection: Projection = { attributes: names(from.attributes, 'attributes'), excluded: names(from.excludedAttributes, 'excludedAttributes') };
  const withMembers = !(projection.excluded ?? []).some((n) => n.toLowerCase() === 'members') && (!projection.attributes || projection.attributes.some((n) => /(^|:)members(\.|$)/i.test(n)));
  return { filter: filter || undefined, startIndex: intParam(from.startIndex, 'startIndex'), count: intParam(from.count, 'count'), withMembers, projection };
};

function searchRequest(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ScimError(400, 'the body must be a SearchRequest object', 'invalidSyntax');
  const request = body as Record<string, unknown>;
  if (request.schemas !== undefined && !(Array.isArray(request.schemas) && request.schemas.includes(SEARCH_REQUEST))) {
    throw new ScimError(400, `a SearchRequest names the schema ${SEARCH_REQUEST}`, 'invalidSyntax');
  }
  return request;
}

export function scimRouter(deps: { em: () => EntityManager; lifecycles: LifecycleGateway; adminGroup: string; publicUrl: string }): Router {
  const router = new Router({ prefix: SCIM_PREFIX, methods: ROUTER_METHODS });
  const baseUrl = `${deps.publicUrl}${SCIM_PREFIX}`;
  const scim = (): ScimDeps => ({ em: deps.em(), lifecycles: deps.lifecycles, adminGroup: deps.adminGroup, baseUrl });
  const caller = (ctx: Context): ScimCaller => ctx.state.scim as ScimCaller;

  router.use(async (ctx, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'));
    if (!match) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new ScimError(401, 'send the company\'s API key (scope "scim") as "Authorization: Bearer <key>"');
    }
    const principal = await apiKeyOrSession(deps.em(), match[1]!).catch(() => {
      throw new ScimError(401, 'this API key is unknown or revoked');
    });
    if (principal.kind !== 'api_key') throw new ScimError(403, 'SCIM takes a company\'s API key (scope "scim"), not a session or an operator key');
    if (!principal.scopes.includes('scim')) throw new ScimError(403, `this key lacks the scope "scim" (it has ${principal.scopes.join(', ')})`);
    try {
      checkRequestText(ctx);
    } catch (error) {
      throw new ScimError(400, error instanceof Error ? ((error as { detail?: string }).detail ?? error.message) : 'the request holds text that is not allowed', 'invalidValue');
    }
    ctx.state.scim = { companyId: principal.companyId, actor: principal.actor } satisfies ScimCaller;
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (error) {
      status = error instanceof ScimError ? error.status : 500;
      throw error;
    } finally {
      // Every call, read or write, under the key's name: what the provider asked and what it got.
      await recordAudit(deps.em().fork(), {
        companyId: principal.companyId,
        operatorId: principal.operatorId,
        actor: principal.actor,
        type: 'scim.request',
        data: { method: ctx.method, path: ctx.path.slice(SCIM_PREFIX.length), status, ...(typeof ctx.query.filter === 'string' ? { filter: ctx.query.filter.slice(0, 500) } : {}) },
      }).catch(() => {});
    }
  });

  router.get('/ServiceProviderConfig', (ctx) => answer(ctx, 200, serviceProviderConfig(baseUrl)));
  router.get('/ResourceTypes', (ctx) => {
    const types = resourceTypes(baseUrl);
    answer(ctx, 200, { schemas: [SCHEMA.list], totalResults: types.length, startIndex: 1, itemsPerPage: types.length, Resources: types });
  });
  router.get('/ResourceTypes/:id', (ctx) => {
    const type = resourceTypes(baseUrl).find((t) => t.id === ctx.params.id);
    if (!type) throw new ScimError(404, `no resource type ${ctx.params.id}`);
    answer(ctx, 200, type);
  });
  router.get('/Schemas', (ctx) => {
    const all = schemas(baseUrl, deps.adminGroup);
    answer(ctx, 200, { schemas: [SCHEMA.list], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all });
  });
  router.get('/Schemas/:id', (ctx) => {
    const found = schemas(baseUrl, deps.adminGroup).find((s) => s.id === ctx.params.id);
    if (!found) throw new ScimError(404, `no schema ${ctx.params.id}`);
    answer(ctx, 200, found);
  });

  const located = (ctx: Context, resource: Record<string, unknown>, status = 200) => {
    const location = (resource.meta as { location?: string } | undefined)?.location;
    if (location) ctx.set('Location', location);
    answer(ctx, status, resource);
  };

  const listed = async (ctx: Context, kind: 'Users' | 'Groups', from: Record<string, unknown>) => {
    const query = listQuery(from);
    const list = kind === 'Users' ? await listUsers(scim(), caller(ctx), query) : await listGroups(scim(), caller(ctx), query);
    answer(ctx, 200, projectList(list, query.projection));
  };
  const one = (ctx: Context, resource: Record<string, unknown>) => located(ctx, project(resource, listQuery(ctx.query).projection));

  router.get('/Users', (ctx) => listed(ctx, 'Users', ctx.query));
  // RFC 7644 §3.4.3: the same query in a body, for filters too long or too private for a URL.
  router.post('/Users/.search', (ctx) => listed(ctx, 'Users', searchRequest(ctx.request.body)));
  router.post('/Groups/.search', (ctx) => listed(ctx, 'Groups', searchRequest(ctx.request.body)));
  router.post('/.search', async (ctx) => {
    const query = listQuery(searchRequest(ctx.request.body));
    answer(ctx, 200, projectList(await searchAll(scim(), caller(ctx), query), query.projection));
  });
  router.post('/Users', async (ctx) => located(ctx, await createUser(scim(), caller(ctx), ctx.request.body), 201));
  router.get('/Users/:id', async (ctx) => one(ctx, await getUser(scim(), caller(ctx), ctx.params.id!)));
  router.put('/Users/:id', async (ctx) => located(ctx, await replaceUser(scim(), caller(ctx), ctx.params.id!, ctx.request.body)));
  router.patch('/Users/:id', async (ctx) => located(ctx, await patchUser(scim(), caller(ctx), ctx.params.id!, ctx.request.body)));
  router.delete('/Users/:id', async (ctx) => {
    await deleteUser(scim(), caller(ctx), ctx.params.id!);
    answer(ctx, 204);
  });

  router.get('/Groups', (ctx) => listed(ctx, 'Groups', ctx.query));
  router.post('/Groups', async (ctx) => located(ctx, await createGroup(scim(), caller(ctx), ctx.request.body), 201));
  router.get('/Groups/:id', async (ctx) => one(ctx, await getGroup(scim(), caller(ctx), ctx.params.id!, { withMembers: listQuery(ctx.query).withMembers })));
  router.put('/Groups/:id', async (ctx) => located(ctx, await replaceGroup(scim(), caller(ctx), ctx.params.id!, ctx.request.body)));
  router.patch('/Groups/:id', async (ctx) => located(ctx, await patchGroup(scim(), caller(ctx), ctx.params.id!, ctx.request.body)));
  router.delete('/Groups/:id', async (ctx) => {
    await deleteGroup(scim(), caller(ctx), ctx.params.id!);
    answer(ctx, 204);
  });
  return router;
}

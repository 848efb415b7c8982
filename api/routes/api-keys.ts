// API keys, managed by the people who answer for them: a company's admins make their company's
// keys (HR system, SCIM), the operator's admins the operator's own. Keys never make keys, so a
// leaked one cannot make itself a successor.
import { createApiKey, listApiKeys, revokeApiKey, type KeyOwner } from '../../domain/api-keys.ts';
import { AppError } from '../../http/errors.ts';
import { IdParams } from '../../http/schemas/common.schema.ts';
import { ApiKeyList, ApiKeysQuery, CreateApiKeyBody, CreatedApiKey, ApiKey } from '../../http/schemas/api-keys.schema.ts';
import type { AdminPrincipal } from '../auth.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';

const tags = ['api-keys'];

/** Whose keys: the company acted on, or (`owner: operator`) the operator's, for its admins only. */
function ownerFor(principal: AdminPrincipal, owner: 'company' | 'operator'): KeyOwner {
  if (!principal.actor.startsWith('member:')) {
    throw new AppError('people-only', 403, 'API keys are managed by people', { detail: 'sign in as an administrator: an API key cannot make or revoke keys' });
  }
  if (owner === 'operator') {
    if (principal.kind !== 'operator') throw new AppError('forbidden', 403, 'The operator only', { detail: 'the operator\'s keys are managed by its staff' });
    return { operatorId: principal.operatorId };
  }
  return { companyId: principal.companyId, operatorId: principal.operatorId };
}

export function apiKeyRoutes(s: ApiServices) {
  return [
    defineRoute(
      {
        method: 'get', path: '/v1/api-keys', operationId: 'listApiKeys', tags, auth: 'admin',
        summary: 'The API keys (without their secrets): name, scopes, who made them, last use',
        query: ApiKeysQuery,
        responses: { 200: { description: 'Live keys first, then revoked ones', schema: ApiKeyList } },
      },
      async ({ query, principal }, ctx) => {
        ctx.body = { items: await listApiKeys(s.em(), ownerFor(principal, query.owner)) };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/api-keys', operationId: 'createApiKey', tags, auth: 'admin',
        summary: 'Make an API key: its secret is in this answer only',
        body: CreateApiKeyBody,
        responses: { 201: { description: 'Created', schema: CreatedApiKey } },
      },
      async ({ body, principal }, ctx) => {
        const created = await createApiKey(s.em(), ownerFor(principal, body.owner), { name: body.name, scopes: body.scopes, actor: principal.actor });
        ctx.status = 201;
        ctx.set('Cache-Control', 'no-store');
        ctx.set('Location', `/v1/api-keys/${created.id}`);
        ctx.body = created;
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/api-keys/{id}', operationId: 'revokeApiKey', tags, auth: 'admin',
        summary: 'Revoke a key: its next request answers 401',
        params: IdParams,
        query: ApiKeysQuery,
        responses: { 200: { description: 'The key, revoked', schema: ApiKey } },
      },
      async ({ params, query, principal }, ctx) => {
        ctx.body = await revokeApiKey(s.em(), ownerFor(principal, query.owner), params.id, principal.actor);
      },
    ),
  ];
}

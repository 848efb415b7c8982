// Webhook endpoints: a company's (its admins and keys) or the operator's (`owner: operator`, its
// staff and keys). Handlers validate, call domain/webhooks and answer.
import { createEndpoint, deleteEndpoint, getEndpoint, listDeliveries, listEndpoints, retryDelivery, rotateSecret, sendTestEvent, updateEndpoint, type WebhookOwner } from '../../domain/webhooks/endpoints.ts';
import { AppError } from '../../http/errors.ts';
import { IdParams } from '../../http/schemas/common.schema.ts';
import {
  CreatedWebhookEndpoint,
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveryParams,
  UpdateWebhookBody,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhooksQuery,
  WebhookTestResult,
} from '../../http/schemas/webhooks.schema.ts';
import type { AdminPrincipal } from '../auth.ts';
import { defineRoute } from '../route.ts';
import type { ApiServices } from '../services.ts';

const tags = ['webhooks'];

/** Whose endpoints: the company acted on, or the operator's, for its staff and keys only. */
export function webhookOwnerFor(principal: AdminPrincipal, owner: 'company' | 'operator'): WebhookOwner {
  if (owner === 'operator') {
    if (principal.kind !== 'operator') throw new AppError('forbidden', 403, 'The operator only', { detail: 'the operator\'s webhooks are managed by its staff and keys' });
    return { operatorId: principal.operatorId };
  }
  if (principal.kind === 'operator' && principal.allCompanies) {
    throw new AppError('company-required', 422, 'Say which company', { detail: 'name the company (companyId) or ask for the operator\'s own endpoints (owner=operator)', extra: { field: 'companyId' } });
  }
  return { companyId: principal.companyId, operatorId: principal.operatorId };
}

export function webhookRoutes(s: ApiServices) {
  const deps = () => ({ em: s.em(), secrets: s.secrets, allowPrivate: s.config.webhooks.allowPrivate });
  return [
    defineRoute(
      {
        method: 'get', path: '/v1/webhooks', operationId: 'listWebhooks', tags, auth: 'admin', company: 'across',
        summary: 'The webhook endpoints (without their secrets)',
        query: WebhooksQuery,
        responses: { 200: { description: 'In the order they were made', schema: WebhookEndpointList } },
      },
      async ({ query, principal }, ctx) => {
        ctx.body = { items: await listEndpoints(s.em(), webhookOwnerFor(principal, query.owner)) };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/webhooks', operationId: 'createWebhook', tags, auth: 'admin', company: 'across',
        summary: 'Add an endpoint: its signing secret is in this answer only',
        description: 'Every event it subscribes to is POSTed to the URL, signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature`), retried for about three days until a 2xx. The events and their bodies are in this document\'s `webhooks`. In production the URL must lead to a public address.',
        body: CreateWebhookBody,
        responses: { 201: { description: 'Created', schema: CreatedWebhookEndpoint } },
      },
      async ({ body, principal }, ctx) => {
        const created = await createEndpoint(deps(), webhookOwnerFor(principal, body.owner), body, principal.actor);
        ctx.status = 201;
        ctx.set('Cache-Control', 'no-store');
        ctx.set('Location', `/v1/webhooks/${created.id}`);
        ctx.body = created;
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/webhooks/{id}', operationId: 'getWebhook', tags, auth: 'admin', company: 'across',
        summary: 'One endpoint', params: IdParams, query: WebhooksQuery,
        responses: { 200: { description: 'The endpoint', schema: WebhookEndpoint } },
      },
      async ({ params, query, principal }, ctx) => {
        ctx.body = await getEndpoint(s.em(), webhookOwnerFor(principal, query.owner), params.id);
      },
    ),
    defineRoute(
      {
        method: 'patch', path: '/v1/webhooks/{id}', operationId: 'updateWebhook', tags, auth: 'admin', company: 'across',
        summary: 'Change the URL, the events, the description, or enable it again', params: IdParams, query: WebhooksQuery, body: UpdateWebhookBody,
        responses: { 200: { description: 'The endpoint, changed', schema: WebhookEndpoint } },
      },
      async ({ params, query, body, principal }, ctx) => {
        ctx.body = await updateEndpoint(deps(), webhookOwnerFor(principal, query.owner), params.id, body, principal.actor);
      },
    ),
    defineRoute(
      {
        method: 'delete', path: '/v1/webhooks/{id}', operationId: 'deleteWebhook', tags, auth: 'admin', company: 'across',
        summary: 'Remove an endpoint and its delivery log', params: IdParams, query: WebhooksQuery,
        responses: { 204: { description: 'Removed' } },
      },
      async ({ params, query, principal }, ctx) => {
        await deleteEndpoint(s.em(), webhookOwnerFor(principal, query.owner), params.id, principal.actor);
        ctx.status = 204;
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/webhooks/{id}/rotate-secret', operationId: 'rotateWebhookSecret', tags, auth: 'admin', company: 'across',
        summary: 'A new secret; the previous one keeps signing for 24 hours',
        description: 'During the overlap `webhook-signature` carries two signatures (`v1,<new> v1,<old>`): receivers verifying with either secret accept it.',
        params: IdParams, query: WebhooksQuery,
        responses: { 200: { description: 'The endpoint with its new secret, shown this once', schema: CreatedWebhookEndpoint } },
      },
      async ({ params, query, principal }, ctx) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await rotateSecret(deps(), webhookOwnerFor(principal, query.owner), params.id, principal.actor);
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/webhooks/{id}/test', operationId: 'testWebhook', tags, auth: 'admin', company: 'across',
        summary: 'Send a `webhook.test` event now and say how the receiver answered (one attempt)', params: IdParams, query: WebhooksQuery,
        responses: { 200: { description: 'The attempt', schema: WebhookTestResult } },
      },
      async ({ params, query, principal }, ctx) => {
        ctx.body = await sendTestEvent(s.em(), s.webhooks, webhookOwnerFor(principal, query.owner), params.id, principal.actor);
      },
    ),
    defineRoute(
      {
        method: 'get', path: '/v1/webhooks/{id}/deliveries', operationId: 'listWebhookDeliveries', tags, auth: 'admin', company: 'across',
        summary: 'The delivery log, newest first: event, attempts, last answer, next retry', params: IdParams, query: DeliveriesQuery,
        responses: { 200: { description: 'Deliveries', schema: WebhookDeliveryList } },
      },
      async ({ params, query, principal }, ctx) => {
        ctx.body = { items: await listDeliveries(s.em(), webhookOwnerFor(principal, query.owner), params.id, { limit: query.limit, ...(query.status ? { status: query.status } : {}) }) };
      },
    ),
    defineRoute(
      {
        method: 'post', path: '/v1/webhooks/{id}/deliveries/{deliveryId}/retry', operationId: 'retryWebhookDelivery', tags, auth: 'admin', company: 'across',
        summary: 'Attempt a pending or failed delivery now (a failed one starts its retry schedule over)', params: DeliveryParams, query: WebhooksQuery,
        responses: { 202: { description: 'Attempted, or on its way (see status)', schema: WebhookDelivery } },
      },
      async ({ params, query, principal }, ctx) => {
        ctx.status = 202;
        ctx.body = await retryDelivery(s.em(), s.webhooks, webhookOwnerFor(principal, query.owner), params.id, params.deliveryId, principal.actor);
      },
    ),
  ];
}

// A company's or the operator's webhook endpoints: made, changed, rotated, tested and removed by
// their admins (or keys), each change in the audit log. The secret is answered once, at creation
// and at rotation; afterwards only whether it is rotating.
import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { sql } from 'kysely';
import { dbNow, jsonb } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import { WebhookEndpoint } from '../../db/entities/index.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { isUuid } from '../ids.ts';
import type { Secrets } from '../secrets.ts';
import { isPublicAddress, literalBlocked } from './address-guard.ts';
import { OPERATOR_ONLY_EVENTS, TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './events.ts';
import type { WebhookGateway } from './gateway.ts';
import { newWebhookSecret } from './signing.ts';
import type { AttemptOutcome } from '../../contract/workflows.ts';

/** Whose endpoints: a company's, or (no company) the operator's. */
export type WebhookOwner = { companyId: string; operatorId: string } | { operatorId: string; companyId?: undefined };

export interface WebhookDeps {
  em: EntityManager;
  secrets: Secrets;
  /** WEBHOOK_ALLOW_PRIVATE: false in production unless set. */
  allowPrivate: boolean;
}

/** Both signatures are valid this long after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export interface WebhookEndpointView {
  id: string;
  owner: 'company' | 'operator';
  companyId: string | null;
  url: string;
  description: string;
  events: WebhookEventType[] | 'all';
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  failingSince: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  createdBy: string;
}

export interface WebhookDeliveryView {
  id: string;
  eventId: string;
  type: string;
  memberId: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  lastResponse: string | null;
  lastDurationMs: number | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

function view(e: WebhookEndpoint): WebhookEndpointView {
  return {
    id: e.id,
    owner: e.company ? 'company' : 'operator',
    companyId: e.company?.id ?? null,
    url: e.url,
    description: e.description,
    events: e.events ? (e.events as WebhookEventType[]) : 'all',
    enabled: e.enabled,
    disabledReason: e.disabledReason ?? null,
    disabledAt: iso(e.disabledAt),
    failingSince: iso(e.failingSince),
    previousSecretExpiresAt: e.previousSecretExpiresAt && e.previousSecretExpiresAt.getTime() > Date.now() ? iso(e.previousSecretExpiresAt) : null,
    createdAt: iso(e.createdAt)!,
    createdBy: e.createdBy,
  };
}

/** The event types an owner may subscribe to. */
export function eventsFor(owner: WebhookOwner): readonly WebhookEventType[] {
  return owner.companyId ? WEBHOOK_EVENT_TYPES.filter((t) => !OPERATOR_ONLY_EVENTS.includes(t)) : WEBHOOK_EVENT_TYPES;
}

function checkEvents(owner: WebhookOwner, events: string[] | 'all'): string[] | null {
  if (events === 'all') return null;
  const allowed = eventsFor(owner);
  const unknown = events.filter((e) => !allowed.includes(e as WebhookEventType));
  if (unknown.length) {
    throw new DomainError('webhook_event_unknown', 'unprocessable', `no event ${unknown.join(', ')} for ${owner.companyId ? 'a company' : 'the operator'}: choose among ${allowed.join(', ')}`, { field: 'events', events: unknown });
  }
  if (!events.length) throw new DomainError('webhook_events_empty', 'unprocessable', 'choose at least one event, or "all"', { field: 'events' });
  return [...new Set(events)];
}

/** The URL's shape, and in production that it leads to a public address (checked again at every attempt). */
async function checkUrl(text: string, allowPrivate: boolean): Promise<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DomainError('webhook_url_invalid', 'invalid', 'the URL must be an absolute http(s) URL', { field: 'url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DomainError('webhook_url_invalid', 'invalid', 'the URL must start with https:// (or http://)', { field: 'url' });
  if (url.username || url.password) throw new DomainError('webhook_url_credentials', 'invalid', 'the URL must not hold a user name or password: the signature authenticates us', { field: 'url' });
  if (url.hash) throw new DomainError('webhook_url_invalid', 'invalid', 'the URL must not have a #fragment', { field: 'url' });
  if (!allowPrivate) {
    const literal = literalBlocked(url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = literal ? [literal] : await lookup(host, { all: true }).then((list) => list.map((a) => a.address)).catch(() => null);
    if (addresses === null) throw new DomainError('webhook_url_unresolved', 'unprocessable', `${host} does not resolve to an address`, { field: 'url' });
    const blocked = addresses.find((a) => !isPublicAddress(a));
    if (blocked) {
      throw new DomainError('webhook_url_private', 'unprocessable', `${host} leads to ${blocked}, a loopback, private or link-local address: webhooks go to public addresses only`, { field: 'url', address: blocked });
    }
  }
  return url.toString();
}

async function find(em: EntityManager, owner: WebhookOwner, id: string): Promise<WebhookEndpoint> {
  const found = isUuid(id) ? await em.findOne(WebhookEndpoint, { id, operator: owner.operatorId, company: owner.companyId ?? null }) : null;
  if (!found) throw new DomainError('webhook_not_found', 'not_found', `no webhook endpoint ${id}`);
  return found;
}

const auditOf = (owner: WebhookOwner) => ({ companyId: owner.companyId ?? null, operatorId: owner.operatorId });

export async function listEndpoints(em: EntityManager, owner: WebhookOwner): Promise<WebhookEndpointView[]> {
  const rows = await em.find(WebhookEndpoint, { operator: owner.operatorId, company: owner.companyId ?? null }, { orderBy: { createdAt: 'asc' } });
  return rows.map(view);
}

export async function getEndpoint(em: EntityManager, owner: WebhookOwner, id: string): Promise<WebhookEndpointView> {
  return view(await find(em, owner, id));
}

export async function createEndpoint(
  deps: WebhookDeps,
  owner: WebhookOwner,
  input: { url: string; events: string[] | 'all'; description?: string; enabled?: boolean },
  actor: string,
): Promise<WebhookEndpointView & { secret: string }> {
  const url = await checkUrl(input.url, deps.allowPrivate);
  const events = checkEvents(owner, input.events);
  const secret = newWebhookSecret();
  return deps.em.transactional(async (tx) => {
    const endpoint = tx.create(WebhookEndpoint, {
      company: owner.companyId ?? null,
      operator: owner.operatorId,
      url,
      events,
      description: input.description?.trim() ?? '',
      enabled: input.enabled ?? true,
      secret: deps.secrets.encrypt(secret),
      createdBy: actor,
    });
    await tx.flush();
    await recordAudit(tx, { ...auditOf(owner), actor, type: 'webhook.created', data: { endpointId: endpoint.id, url, events: events ?? 'all' } });
    return { ...view(endpoint), secret };
  });
}

export async function updateEndpoint(
  deps: WebhookDeps,
  owner: WebhookOwner,
  id: string,
  patch: { url?: string; events?: string[] | 'all'; description?: string; enabled?: boolean },
  actor: string,
): Promise<WebhookEndpointView> {
  const url = patch.url === undefined ? undefined : await checkUrl(patch.url, deps.allowPrivate);
  const events = patch.events === undefined ? undefined : checkEvents(owner, patch.events);
  return deps.em.transactional(async (tx) => {
    const endpoint = await find(tx, owner, id);
    const before = view(endpoint);
    if (url !== undefined) endpoint.url = url;
    if (events !== undefined) endpoint.events = events;
    if (patch.description !== undefined) endpoint.description = patch.description.trim();
    if (patch.enabled !== undefined && patch.enabled !== endpoint.enabled) {
      endpoint.enabled = patch.enabled;
      // Enabled again: a fresh start; its failed deliveries can be retried one by one.
      endpoint.disabledReason = patch.enabled ? null : 'admin';
      endpoint.disabledAt = patch.enabled ? null : new Date();
      endpoint.failingSince = null;
    }
    endpoint.updatedAt = new Date();
    await tx.flush();
    const after = view(endpoint);
    const changed = (['url', 'events', 'description', 'enabled'] as const).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    if (changed.length) {
      await recordAudit(tx, { ...auditOf(owner), actor, type: 'webhook.updated', data: { endpointId: id, from: Object.fromEntries(changed.map((k) => [k, before[k]])), to: Object.fromEntries(changed.map((k) => [k, after[k]])) } });
    }
    return after;
  });
}

export async function deleteEndpoint(em: EntityManager, owner: WebhookOwner, id: string, actor: string): Promise<void> {
  await em.transactional(async (tx) => {
    const endpoint = await find(tx, owner, id);
    // Its deliveries go with it (cascade); a stream that was attempting one finds nothing left.
    await tx.getKysely().deleteFrom('webhook_endpoint').where('id', '=', endpoint.id).execute();
    await recordAudit(tx, { ...auditOf(owner), actor, type: 'webhook.deleted', data: { endpointId: id, url: endpoint.url } });
  });
}

export async function rotateSecret(deps: WebhookDeps, owner: WebhookOwner, id: string, actor: string): Promise<WebhookEndpointView & { secret: string }> {
  const secret = newWebhookSecret();
  return deps.em.transactional(async (tx) => {
    const endpoint = await find(tx, owner, id);
    endpoint.previousSecret = endpoint.secret;
    endpoint.previousSecretExpiresAt = new Date(Date.now() + ROTATION_OVERLAP_MS);
    endpoint.secret = deps.secrets.encrypt(secret);
    endpoint.updatedAt = new Date();
    await tx.flush();
    await recordAudit(tx, { ...auditOf(owner), actor, type: 'webhook.secret_rotated', data: { endpointId: id, previousValidUntil: endpoint.previousSecretExpiresAt.toISOString() } });
    return { ...view(endpoint), secret };
  });
}

/** An endpoint's deliveries with their event's type and member. */
const selectDeliveries = (em: EntityManager, endpointId: string) =>
  em
    .getKysely()
    .selectFrom('webhook_delivery as d')
    .innerJoin('webhook_event as ev', 'ev.id', 'd.event_id')
    .select([
      'd.id', 'd.event_id', 'ev.type', 'ev.member_id', 'd.status', 'd.attempts', 'd.last_attempt_at', 'd.last_status_code', 'd.last_error',
      'd.last_response', 'd.last_duration_ms', 'd.next_attempt_at', 'd.delivered_at', 'd.created_at', 'd.stream_key',
    ])
    .where('d.endpoint_id', '=', endpointId);

type DeliveryRow = Awaited<ReturnType<ReturnType<typeof selectDeliveries>['executeTakeFirstOrThrow']>>;

export async function listDeliveries(em: EntityManager, owner: WebhookOwner, id: string, options: { limit: number; status?: string }): Promise<WebhookDeliveryView[]> {
  const endpoint = await find(em, owner, id);
  let query = selectDeliveries(em, endpoint.id);
  if (options.status) query = query.where(sql<boolean>`d.status::text = ${options.status}`);
  const rows = await query.orderBy('ev.seq', 'desc').limit(options.limit).execute();
  return rows.map(deliveryView);
}

function deliveryView(r: DeliveryRow): WebhookDeliveryView {
  return {
    id: r.id, eventId: r.event_id, type: r.type, memberId: r.member_id ?? null, status: r.status, attempts: r.attempts,
    lastAttemptAt: iso(r.last_attempt_at), lastStatusCode: r.last_status_code ?? null, lastError: r.last_error ?? null, lastResponse: r.last_response ?? null,
    lastDurationMs: r.last_duration_ms ?? null, nextAttemptAt: iso(r.next_attempt_at), deliveredAt: iso(r.delivered_at), createdAt: iso(r.created_at)!,
  };
}

async function delivery(em: EntityManager, endpointId: string, deliveryId: string): Promise<WebhookDeliveryView & { streamKey: string }> {
  const row = isUuid(deliveryId) ? await selectDeliveries(em, endpointId).where('d.id', '=', deliveryId).executeTakeFirst() : undefined;
  if (!row) throw new DomainError('webhook_delivery_not_found', 'not_found', `no delivery ${deliveryId} for this endpoint`);
  return { ...deliveryView(row), streamKey: row.stream_key };
}

/** Attempts a delivery again now: a failed one starts its retry schedule over. */
export async function retryDelivery(em: EntityManager, gateway: WebhookGateway, owner: WebhookOwner, endpointId: string, deliveryId: string, actor: string): Promise<WebhookDeliveryView> {
  const endpoint = await find(em, owner, endpointId);
  if (!endpoint.enabled) throw new DomainError('webhook_disabled', 'conflict', 'this endpoint is disabled: enable it first (PATCH enabled: true)', { field: 'enabled' });
  const found = await delivery(em, endpoint.id, deliveryId);
  if (found.status === 'delivered') throw new DomainError('webhook_delivered', 'conflict', 'this delivery already succeeded');
  await em.transactional(async (tx) => {
    await tx.getKysely().updateTable('webhook_delivery').set({ status: 'pending', round_attempts: 0, next_attempt_at: null, dispatched_at: dbNow }).where('id', '=', found.id).execute();
    await recordAudit(tx, { ...auditOf(owner), actor, type: 'webhook.delivery_retried', data: { endpointId, deliveryId, eventId: found.eventId } });
  });
  if (found.streamKey === 'test') await gateway.attemptTest(found.id);
  else await gateway.wakeStream(endpoint.id, found.streamKey, [found.id]);
  const { streamKey: _, ...after } = await delivery(em.fork(), endpoint.id, found.id);
  return after;
}

/** Sends a `webhook.test` event to this endpoint now and answers how it went (one attempt). */
export async function sendTestEvent(em: EntityManager, gateway: WebhookGateway, owner: WebhookOwner, id: string, actor: string): Promise<{ delivery: WebhookDeliveryView; outcome: AttemptOutcome['outcome'] }> {
  const endpoint = await find(em, owner, id);
  if (!endpoint.enabled) throw new DomainError('webhook_disabled', 'conflict', 'this endpoint is disabled: enable it first (PATCH enabled: true)', { field: 'enabled' });
  const deliveryId = await em.transactional(async (tx) => {
    const db = tx.getKysely();
    const [eventId, madeId] = [randomUUID(), randomUUID()];
    const data = { endpointId: endpoint.id, message: 'A test event: this endpoint is reachable and verifies our signature.' };
    await db
      .insertInto('webhook_event')
      .values({
        id: eventId, organization_id: owner.companyId ?? null, operator_id: owner.operatorId, type: TEST_EVENT_TYPE,
        data: jsonb(data), occurred_at: dbNow, only_endpoint_id: endpoint.id, fanned_out_at: dbNow,
      })
      .execute();
    await db
      .insertInto('webhook_delivery')
      .values({ id: madeId, endpoint_id: endpoint.id, event_id: eventId, stream_key: 'test', status: 'pending', attempts: 0, round_attempts: 0, created_at: dbNow, dispatched_at: dbNow })
      .execute();
    await recordAudit(tx, { ...auditOf(owner), actor, type: 'webhook.tested', data: { endpointId: endpoint.id, deliveryId: madeId } });
    return madeId;
  });
  const { outcome } = await gateway.attemptTest(deliveryId);
  const { streamKey: _, ...after } = await delivery(em.fork(), endpoint.id, deliveryId);
  return { delivery: after, outcome };
}

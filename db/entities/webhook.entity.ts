import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Member } from './member.entity.ts';
import { Operator } from './operator.entity.ts';
import { Company } from './company.entity.ts';

/**
 * A URL that hears what happens: a company's (its own members and imports) or, with no company,
 * the operator's (every company's, and `company.*`). Secrets are read back to sign every
 * delivery, so they are encrypted with the deployment's key rather than hashed. After a rotation
 * the previous secret signs too until `previousSecretExpiresAt`.
 */
export const WebhookEndpointSchema = defineEntity({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoint',
  indexes: [{ properties: ['company'] }, { properties: ['operator'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    company: () => p.manyToOne(Company).fieldName('organization_id').nullable().deleteRule('cascade'),
    operator: () => p.manyToOne(Operator),
    url: p.string().length(2000),
    description: p.string().length(500).default(''),
    /** The event types it receives; null: all of them, including types added later. */
    events: p.json<string[]>().nullable(),
    enabled: p.boolean().default(true),
    /** Why it stopped: `gone` (the receiver answered 410), `failing` (5 days of failures), `admin`. */
    disabledReason: p.string().length(20).nullable(),
    disabledAt: p.datetime().nullable(),
    secret: p.text().hidden(),
    previousSecret: p.text().hidden().nullable(),
    previousSecretExpiresAt: p.datetime().nullable(),
    /** The first failure of the run of failures going on now; null once anything succeeds. */
    failingSince: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    createdBy: p.string().length(100),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
});
export class WebhookEndpoint extends WebhookEndpointSchema.class {}
WebhookEndpointSchema.setClass(WebhookEndpoint);

/**
 * The outbox: one row per event a webhook may carry, written by the statement that writes the
 * audit event it reflects (so a crash neither loses nor invents one). Its id is the `webhook-id`
 * every delivery of it carries. `fannedOutAt` says the relay has made its deliveries.
 */
export const WebhookEventSchema = defineEntity({
  name: 'WebhookEvent',
  tableName: 'webhook_event',
  indexes: [{ properties: ['fannedOutAt', 'seq'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    // Commit order within a member is event order: deliveries follow it.
    seq: p.bigint('number').autoincrement().unique(),
    auditEventId: p.bigint('number').nullable(),
    company: () => p.manyToOne(Company).fieldName('organization_id').nullable().deleteRule('cascade'),
    operator: () => p.manyToOne(Operator).nullable(),
    member: () => p.manyToOne(Member).nullable().deleteRule('set null'),
    type: p.string().length(100),
    data: p.json<Record<string, unknown>>(),
    occurredAt: p.datetime(),
    /** Delivered to one endpoint only (`POST /v1/webhooks/{id}/test`). */
    onlyEndpointId: p.uuid().nullable(),
    fannedOutAt: p.datetime().nullable(),
  },
});
export class WebhookEvent extends WebhookEventSchema.class {}
WebhookEventSchema.setClass(WebhookEvent);

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * One event to one endpoint. Its attempts happen in the endpoint's stream workflow for the
 * member (`streamKey`), one delivery at a time in event order; this row is what the log shows.
 */
export const WebhookDeliverySchema = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_delivery',
  uniques: [{ properties: ['endpoint', 'event'] }],
  indexes: [{ properties: ['endpoint', 'streamKey', 'status'] }, { properties: ['status', 'nextAttemptAt'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    endpoint: () => p.manyToOne(WebhookEndpoint).deleteRule('cascade'),
    event: () => p.manyToOne(WebhookEvent).deleteRule('cascade'),
    /** The member it is about, else `company:<id>` or `operator`: what keeps order. */
    streamKey: p.string().length(100),
    status: p.enum(WEBHOOK_DELIVERY_STATUSES).default('pending'),
    attempts: p.integer().default(0),
    /** Attempts since the schedule last started over (a manual retry starts it over). */
    roundAttempts: p.integer().default(0),
    lastAttemptAt: p.datetime().nullable(),
    lastStatusCode: p.integer().nullable(),
    lastError: p.string().length(500).nullable(),
    /** The start of the receiver's last answer, for the log. */
    lastResponse: p.text().nullable(),
    lastDurationMs: p.integer().nullable(),
    nextAttemptAt: p.datetime().nullable(),
    deliveredAt: p.datetime().nullable(),
    /** When the relay last woke its stream (or took the first attempt itself). */
    dispatchedAt: p.datetime().nullable(),
    /** Held by the attempt under way: the relay and a stream never attempt it at once. */
    leasedUntil: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export class WebhookDelivery extends WebhookDeliverySchema.class {}
WebhookDeliverySchema.setClass(WebhookDelivery);

import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks/events.ts';
import { Timestamp, Uuid } from './common.schema.ts';

const EventType = z.enum(WEBHOOK_EVENT_TYPES);
const Events = z
  .union([z.literal('all'), z.array(EventType).min(1).max(WEBHOOK_EVENT_TYPES.length)])
  .meta({ description: '`"all"` (including event types added later), or a list. `company.*` are the operator\'s only' });
const Owner = z.enum(['company', 'operator']).meta({ description: '`operator`: the operator\'s own endpoint, hearing every company (operator admins and keys)' });

export const WebhookEndpoint = z
  .object({
    id: Uuid,
    owner: Owner,
    companyId: Uuid.nullable(),
    url: z.string(),
    description: z.string(),
    events: Events,
    enabled: z.boolean(),
    disabledReason: z.enum(['gone', 'failing', 'admin']).nullable().meta({ description: '`gone`: the receiver answered 410; `failing`: every delivery failed for 5 days; `admin`: turned off' }),
    disabledAt: Timestamp.nullable(),
    failingSince: Timestamp.nullable().meta({ description: 'Deliveries have failed since then (null once one succeeds)' }),
    previousSecretExpiresAt: Timestamp.nullable().meta({ description: 'After a rotation: the previous secret still signs until then' }),
    createdAt: Timestamp,
    createdBy: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const CreatedWebhookEndpoint = WebhookEndpoint.extend({
  secret: z.string().meta({ description: '`whsec_…`: verify signatures with it (Standard Webhooks). Shown this once', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
}).meta({ id: 'CreatedWebhookEndpoint' });

export const WebhookEndpointList = z.object({ items: z.array(WebhookEndpoint) }).meta({ id: 'WebhookEndpointList' });

const Url = z.string().trim().min(1).max(2000).meta({ example: 'https://hr.example.com/hooks/onboarding' });
const Description = z.string().max(500);

export const CreateWebhookBody = z
  .strictObject({
    url: Url,
    events: Events.default('all'),
    description: Description.optional(),
    enabled: z.boolean().optional(),
    owner: Owner.default('company'),
    companyId: Uuid.optional().meta({ description: 'Operator admins and keys: the company whose endpoint this is' }),
  })
  .meta({ id: 'CreateWebhook' });

export const UpdateWebhookBody = z
  .strictObject({ url: Url.optional(), events: Events.optional(), description: Description.optional(), enabled: z.boolean().optional().meta({ description: 'true again after it was disabled' }) })
  .refine((b) => Object.keys(b).length > 0, { message: 'say what to change: url, events, description or enabled' })
  .meta({ id: 'UpdateWebhook' });

export const WebhooksQuery = z.strictObject({ owner: Owner.default('company'), companyId: Uuid.optional() });

export const WebhookDelivery = z
  .object({
    id: Uuid,
    eventId: Uuid.meta({ description: 'The `webhook-id` header: the same on every attempt' }),
    type: z.string(),
    memberId: Uuid.nullable(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    lastAttemptAt: Timestamp.nullable(),
    lastStatusCode: z.number().int().nullable().meta({ description: 'The receiver\'s HTTP status; null: no answer (refused, timeout, blocked address)' }),
    lastError: z.string().nullable(),
    lastResponse: z.string().nullable().meta({ description: 'The start of the receiver\'s answer (2,000 characters at most)' }),
    lastDurationMs: z.number().int().nullable(),
    nextAttemptAt: Timestamp.nullable(),
    deliveredAt: Timestamp.nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'WebhookDelivery' });

export const WebhookDeliveryList = z.object({ items: z.array(WebhookDelivery) }).meta({ id: 'WebhookDeliveryList' });
export const DeliveriesQuery = WebhooksQuery.extend({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const WebhookTestResult = z
  .object({ outcome: z.enum(['delivered', 'retry', 'failed', 'skipped']).meta({ description: '`delivered`: a 2xx; otherwise see the delivery' }), delivery: WebhookDelivery })
  .meta({ id: 'WebhookTestResult' });
export const DeliveryParams = z.strictObject({ id: Uuid, deliveryId: Uuid });

// What webhook receivers read: one JSON schema per event type, for the OpenAPI document's
// `webhooks` (the events themselves and their data are domain/webhooks/events.ts).
import { z } from 'zod';
import { TEST_EVENT_TYPE, type WebhookEventType } from '../../domain/webhooks/events.ts';
import { Timestamp, Uuid } from './common.schema.ts';

const Company = z.object({ id: Uuid, name: z.string() }).meta({ id: 'WebhookCompany' });
const Member = z
  .object({
    id: Uuid,
    externalId: z.string().nullable().meta({ description: 'The HR system\'s or identity provider\'s id (SCIM externalId)' }),
    email: z.string(),
    name: z.string(),
    role: z.enum(['user', 'admin']),
    status: z.string().meta({ description: 'The member\'s status when the event happened' }),
    siteId: Uuid.nullable(),
    startsOn: z.string().nullable().meta({ description: 'First day (YYYY-MM-DD), if known' }),
    endsOn: z.string().nullable().meta({ description: 'Last day (YYYY-MM-DD), if known' }),
  })
  .meta({ id: 'WebhookMember' });
const memberData = <T extends z.ZodRawShape>(shape: T) => z.object({ company: Company, member: Member, ...shape });
const Report = z
  .object({
    removedBy: z.string().nullable(),
    reason: z.string().nullable(),
    statusBefore: z.string().nullable(),
    requestedAt: Timestamp.nullable(),
    completedAt: Timestamp.nullable(),
    card: z.object({ number: z.string(), revoked: z.boolean() }).nullable(),
    wifi: z.object({
      revoked: z.boolean(),
      disconnect: z
        .object({ points: z.number(), confirmed: z.number(), noSession: z.number(), silent: z.number() })
        .meta({ description: 'Access points asked to end the member\'s sessions, and how they answered: ended, had none, silent' }),
    }),
    credentialsRevoked: z.number(),
  })
  .meta({ id: 'WebhookOffboardingReport' });

const VisitData = z
  .object({
    id: Uuid,
    siteId: Uuid,
    date: z.string().optional().meta({ description: 'The visit\'s day at the site (YYYY-MM-DD)' }),
    expectedAt: z.string().nullable().optional(),
    kind: z.enum(['invited', 'walk_in']).optional(),
    at: Timestamp.optional().meta({ description: 'visit.arrived: when the PIN opened the door' }),
    doorControllerId: Uuid.optional(),
    reason: z.string().optional().meta({ description: 'visit.cancelled: `host_removed` when the host left' }),
  })
  .meta({ id: 'WebhookVisit', description: 'The visitor\'s name and address are not sent: read them with GET /v1/visits/{id}' });

export const WEBHOOK_DATA_SCHEMAS: Record<WebhookEventType | typeof TEST_EVENT_TYPE, { summary: string; data: z.ZodType }> = {
  'member.scheduled': { summary: 'A member known ahead (a start date later than the invitation lead): invited later', data: memberData({}) },
  'member.invited': { summary: 'The invitation e-mail went out', data: memberData({ invitation: z.object({ expiresAt: Timestamp }) }) },
  'member.password_set': { summary: 'The member created their password', data: memberData({}) },
  'member.card_registered': {
    summary: 'The member registered their access card (QR code or PIN at the door)',
    data: memberData({ card: z.object({ number: z.string().nullable(), method: z.string().nullable().meta({ description: '`qr` or `pin`' }) }) }),
  },
  'member.active': { summary: 'Card and Wi-Fi access granted', data: memberData({}) },
  'member.invitation_expired': { summary: 'The invitation link expired unused', data: memberData({}) },
  'member.card_overdue': { summary: 'No card registered by the deadline', data: memberData({ overdueAt: Timestamp }) },
  'member.role_changed': { summary: 'Administrator or member', data: memberData({ from: z.enum(['user', 'admin']), to: z.enum(['user', 'admin']) }) },
  'member.access_changed': {
    summary: 'The member\'s access days or day-pass dates changed (from → to)',
    data: memberData({
      accessDays: z.object({ from: z.array(z.string()).nullable(), to: z.array(z.string()).nullable() }).optional(),
      dates: z.object({ from: z.array(z.string()).nullable(), to: z.array(z.string()).nullable() }).optional(),
    }),
  },
  'member.removed': { summary: 'Offboarded: card, Wi-Fi and sessions revoked', data: memberData({ report: Report }) },
  'member.signup_requested': {
    summary: 'Someone joined by "S\'inscrire" or single sign-on at one of the company\'s domains; with `approval`, they wait for an admin',
    data: memberData({ signUp: z.object({ via: z.enum(['sign_up', 'sso']).optional(), approval: z.boolean().optional() }) }),
  },
  'member.signup_approved': {
    summary: 'A sign-up was approved, by an admin or by the company\'s automatic join policy; the member registers their card next',
    data: memberData({ signUp: z.object({ approvedBy: z.enum(['admin', 'join-policy']) }) }),
  },
  'import.finished': {
    summary: 'A bulk import (CSV or JSON) is done',
    data: z.object({ company: Company, import: z.object({ importId: Uuid, total: z.number(), created: z.number(), skipped: z.number(), failed: z.number() }) }),
  },
  'company.created': { summary: 'The operator: a company was created', data: z.object({ company: Company, siteIds: z.array(Uuid) }) },
  'company.offboarded': {
    summary: 'The operator: a company left; every member was removed',
    data: z.object({ company: Company, offboarding: z.object({ id: Uuid.nullable(), members: z.number().nullable(), siteIds: z.array(Uuid) }) }),
  },
  'visit.created': { summary: 'A member invited a visitor, or a walk-in asked for them at the kiosk (`member`: the host)', data: memberData({ visit: VisitData }) },
  'visit.arrived': { summary: 'The visitor\'s PIN opened the entrance (once): the host is e-mailed', data: memberData({ visit: VisitData }) },
  'visit.expired': { summary: 'The visit\'s day ended and its PIN was not used: it no longer opens', data: memberData({ visit: VisitData }) },
  'visit.cancelled': { summary: 'The visit was cancelled (by the host, an admin, or the host\'s removal): its PIN died at once', data: memberData({ visit: VisitData }) },
  'webhook.test': { summary: 'Sent by "Send a test event"', data: z.object({ endpointId: Uuid, message: z.string() }) },
};

/** The body every delivery POSTs (the Standard Webhooks shape). */
export function webhookPayloadSchema(type: string, data: z.ZodType) {
  return z
    .object({ type: z.literal(type), timestamp: Timestamp.meta({ description: 'When it happened' }), data })
    .meta({ id: `Webhook_${type.replace(/\W/g, '_')}` });
}

// The events webhooks carry: which audit events they reflect, what their `data` holds, and who
// hears them. `data` is picked field by field from the audit event (never copied whole), so
// secrets, PINs, tokens and Wi-Fi passwords cannot leak into a payload by accident.
import { z } from 'zod';
import { Timestamp, Uuid } from '../../http/schemas/common.schema.ts';

export const WEBHOOK_EVENT_TYPES = [
  'member.scheduled',
  'member.invited',
  'member.password_set',
  'member.card_registered',
  'member.active',
  'member.invitation_expired',
  'member.card_overdue',
  'member.role_changed',
  'member.removed',
  'import.finished',
  'company.created',
  'company.offboarded',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** What `POST /v1/webhooks/{id}/test` sends; never sent otherwise. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** The operator's endpoints hear these too; a company's endpoints never do. */
export const OPERATOR_ONLY_EVENTS: readonly WebhookEventType[] = ['company.created', 'company.offboarded'];

export interface OutboxEvent {
  type: WebhookEventType;
  /** Picked from the audit event's data; the company and the member are added from their rows. */
  data: Record<string, unknown>;
  /** Only while the member has this status (a member known ahead is `scheduled`). */
  whenMemberStatus?: string;
  /** The status the event gives the member, when it is recorded before their row says so. */
  memberStatus?: string;
}

const pick = (data: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(keys.filter((k) => data[k] !== undefined).map((k) => [k, data[k]]));

/** The webhook event an audit event is, if any. */
export function webhookEventFor(auditType: string, data: Record<string, unknown>): OutboxEvent | undefined {
  switch (auditType) {
    case 'member.invited':
    case 'member.reinvited':
      return { type: 'member.scheduled', data: {}, whenMemberStatus: 'scheduled' };
    case 'invitation.issued':
      return { type: 'member.invited', data: { invitation: pick(data, 'expiresAt') } };
    case 'account.password_created':
      return { type: 'member.password_set', data: {} };
    case 'card.registered': {
      const result = (data.result ?? {}) as Record<string, unknown>;
      return { type: 'member.card_registered', data: { card: { number: result.cardNumber ?? data.cardNumber ?? null, method: data.method ?? null } } };
    }
    case 'member.status_changed':
      return data.to === 'active' ? { type: 'member.active', data: {} } : undefined;
    case 'invitation.expired':
      return { type: 'member.invitation_expired', data: {}, memberStatus: 'invitation_expired' };
    case 'card.overdue':
      return { type: 'member.card_overdue', data: pick(data, 'overdueAt'), memberStatus: 'card_overdue' };
    case 'member.role_changed':
      return { type: 'member.role_changed', data: pick(data, 'from', 'to') };
    case 'member.removed':
      return { type: 'member.removed', data: { report: offboardingReport(data.report) } };
    case 'import.finished':
      return { type: 'import.finished', data: { import: pick(data, 'importId', 'total', 'created', 'skipped', 'failed') } };
    case 'organization.created':
      return { type: 'company.created', data: { siteIds: data.siteIds ?? [] } };
    case 'company.offboarded':
      return { type: 'company.offboarded', data: { offboarding: { id: data.offboardingId ?? null, members: data.total ?? null, siteIds: data.sites ?? [] } } };
    default:
      return undefined;
  }
}

function offboardingReport(report: unknown): Record<string, unknown> {
  const r = (report ?? {}) as Record<string, any>;
  return {
    removedBy: r.removedBy ?? null,
    reason: r.reason ?? null,
    statusBefore: r.statusBefore ?? null,
    requestedAt: r.requestedAt ?? null,
    completedAt: r.completedAt ?? null,
    card: r.card ? { number: r.card.number, revoked: Boolean(r.card.revoked) } : null,
    wifi: {
      revoked: Boolean(r.wifi?.revoked),
      disconnect: Array.isArray(r.wifi?.disconnect) ? r.wifi.disconnect.map((d: Record<string, unknown>) => pick(d, 'client', 'sessions', 'answer')) : [],
    },
    credentialsRevoked: r.credentialsRevoked ?? 0,
  };
}

// What receivers read: one JSON schema per type in the OpenAPI document's `webhooks`.
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
    wifi: z.object({ revoked: z.boolean(), disconnect: z.array(z.object({ client: z.string(), sessions: z.number(), answer: z.enum(['ack', 'nak', 'no_answer']) })) }),
    credentialsRevoked: z.number(),
  })
  .meta({ id: 'WebhookOffboardingReport' });

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
  'member.removed': { summary: 'Offboarded: card, Wi-Fi and sessions revoked', data: memberData({ report: Report }) },
  'import.finished': {
    summary: 'A bulk import (CSV or JSON) is done',
    data: z.object({ company: Company, import: z.object({ importId: Uuid, total: z.number(), created: z.number(), skipped: z.number(), failed: z.number() }) }),
  },
  'company.created': { summary: 'The operator: a company was created', data: z.object({ company: Company, siteIds: z.array(Uuid) }) },
  'company.offboarded': {
    summary: 'The operator: a company left; every member was removed',
    data: z.object({ company: Company, offboarding: z.object({ id: Uuid.nullable(), members: z.number().nullable(), siteIds: z.array(Uuid) }) }),
  },
  'webhook.test': { summary: 'Sent by "Send a test event"', data: z.object({ endpointId: Uuid, message: z.string() }) },
};

/** The body every delivery POSTs (the Standard Webhooks shape). */
export function webhookPayloadSchema(type: string, data: z.ZodType) {
  return z
    .object({ type: z.literal(type), timestamp: Timestamp.meta({ description: 'When it happened' }), data })
    .meta({ id: `Webhook_${type.replace(/\W/g, '_')}` });
}

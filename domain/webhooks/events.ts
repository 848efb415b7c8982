// The events webhooks carry: which audit events they reflect, what their `data` holds, and who
// hears them. `data` is picked field by field from the audit event (never copied whole), so
// secrets, PINs, tokens and Wi-Fi passwords cannot leak into a payload by accident.
import { countDisconnects } from '../disconnects.ts';

export const WEBHOOK_EVENT_TYPES = [
  'member.scheduled',
  'member.invited',
  'member.password_set',
  'member.card_registered',
  'member.active',
  'member.invitation_expired',
  'member.card_overdue',
  'member.role_changed',
  'member.access_changed',
  'member.removed',
  'member.signup_requested',
  'member.signup_approved',
  'import.finished',
  'company.created',
  'company.offboarded',
  'visit.created',
  'visit.arrived',
  'visit.expired',
  'visit.cancelled',
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
    case 'member.access_changed':
      return { type: 'member.access_changed', data: pick(data, 'accessDays', 'dates') };
    case 'member.signed_up':
      return { type: 'member.signup_requested', data: { signUp: pick(data, 'via', 'approval') } };
    case 'member.signup_approved':
      return { type: 'member.signup_approved', data: { signUp: { approvedBy: data.by === 'join-policy' ? 'join-policy' : 'admin' } } };
    case 'member.removed':
      return { type: 'member.removed', data: { report: offboardingReport(data.report) } };
    case 'import.finished':
      return { type: 'import.finished', data: { import: pick(data, 'importId', 'total', 'created', 'skipped', 'failed') } };
    // The member is the host; the visitor's name and address are not sent (GET /v1/visits/{id}).
    case 'visit.created':
    case 'visit.arrived':
    case 'visit.expired':
    case 'visit.cancelled':
      return { type: auditType, data: { visit: pick((data.visit ?? {}) as Record<string, unknown>, 'id', 'siteId', 'date', 'expectedAt', 'kind', 'at', 'doorControllerId', 'reason') } };
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
      // How many access points ended the sessions: a company's endpoint hears the outcome, not the
      // operator's hardware (access points of any site, by name).
      disconnect: countDisconnects(Array.isArray(r.wifi?.disconnect) ? r.wifi.disconnect : []),
    },
    credentialsRevoked: r.credentialsRevoked ?? 0,
  };
}

// Schemas several routes share.
import { z } from 'zod';
import { MEMBER_LOCALES, MEMBER_ROLES, MEMBER_STATUSES } from '../../db/entities/index.ts';
import { isCalendarDate } from '../../domain/time.ts';

export const Uuid = z.uuid().meta({ example: '0b7c4a6e-2f1d-4c8e-9a57-3e1f2b9d6c10' });
export const IdParams = z.object({ id: Uuid });
export const Email = z.email().max(320).meta({ example: 'alice.martin@acme.example' });
export const Role = z.enum(MEMBER_ROLES).meta({ description: '`admin` may manage members; `user` may not' });
export const Locale = z.enum(MEMBER_LOCALES).meta({ description: 'Language of the e-mails and pages' });
export const Status = z.enum(MEMBER_STATUSES);
export const Timestamp = z.string().meta({ format: 'date-time', example: '2026-11-23T09:30:00.000Z' });

/** A time a caller sends (a filter's bound): ISO 8601 with its offset, within what the database stores. */
export const Instant = z.iso
  .datetime({ offset: true })
  .refine((v) => {
    const year = new Date(Date.parse(v)).getUTCFullYear();
    return year >= 1970 && year <= 9999;
  }, 'must be a time between the years 1970 and 9999')
  .meta({ format: 'date-time', example: '2026-11-23T09:30:00Z' });

/** A calendar date (a day at the member's site), YYYY-MM-DD. */
export const DateOnly = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
  .refine(isCalendarDate, 'must be a date, YYYY-MM-DD, between the years 1970 and 9998')
  .meta({ format: 'date', example: '2027-01-04' });

export const Limit = z.coerce.number().int().min(1).max(200).default(50);
export const Cursor = z.string().max(500).meta({ description: 'The `nextCursor` of the previous page' });

export const EnrollmentResult = z
  .object({
    decision: z.enum(['enrolled', 'rejected']),
    reason: z
      .enum(['unknown_card', 'card_of_another_site', 'card_already_assigned', 'card_revoked', 'invalid_qr_code'])
      .nullable()
      .meta({ description: 'Why the card was refused; null when enrolled' }),
    cardNumber: z.string().nullable(),
    access: z
      .enum(['granted', 'pending_password', 'pending_start'])
      .nullable()
      .meta({ description: 'With `enrolled`: `granted` when the card opens the doors from now on, `pending_password` until the member creates their password, `pending_start` until 00:00 on their start date' }),
  })
  .meta({ id: 'EnrollmentResult' });

export const Session = z
  .object({
    token: z.string().meta({ description: 'Send as `Authorization: Bearer <token>`; also set as the HttpOnly `mo_session` cookie' }),
    expiresAt: Timestamp,
    memberId: Uuid,
    companyId: Uuid.meta({ description: 'The company the member belongs to' }),
    organizationId: Uuid.meta({ deprecated: true, description: 'Deprecated: the same as `companyId` (its name before companies), kept for one more version' }),
  })
  .meta({ id: 'Session' });

export const AuditEvent = z
  .object({
    id: z.number().int(),
    occurredAt: Timestamp,
    type: z.string().meta({ example: 'card.enrolled' }),
    actor: z.string().meta({ description: '`member:<id>`, `api-key:<id>`, `door-controller:<id>`, `cli:…` or `system`' }),
    memberId: Uuid.nullable(),
    data: z.record(z.string(), z.unknown()),
    workflowId: z.string().nullable(),
    workflowRunId: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });

/** The lifecycle workflow's own view (its `state` query). */
export const Lifecycle = z
  .object({
    status: Status,
    role: Role,
    account: z.object({
      stage: z.enum(['invited', 'expired', 'password_set']),
      invitationExpiresAt: Timestamp.nullable(),
      nextReminderAt: Timestamp.nullable(),
      remindersSent: z.number().int(),
      resends: z.number().int(),
    }),
    card: z.object({
      stage: z.enum(['not_started', 'pin_revealed', 'enrolled']),
      pin: z.string().nullable(),
      nextReminderAt: Timestamp.nullable(),
      overdueAt: Timestamp.nullable(),
      overdue: z.boolean(),
      cardNumber: z.string().nullable(),
      method: z.enum(['qr', 'door', 'admin']).nullable(),
    }),
    access: z.object({ card: z.boolean(), wifi: z.boolean() }),
    schedule: z
      .object({ startsAt: Timestamp.nullable(), endsAt: Timestamp.nullable(), invitationAt: Timestamp.nullable().meta({ description: 'When the invitation goes out; null once sent' }) })
      .nullable()
      .meta({ description: 'The timers from the member\'s start and end dates' }),
    removal: z.object({ actor: z.string(), requestedAt: Timestamp }).nullable(),
  })
  .meta({ id: 'Lifecycle' });

/** The workflow's enrollment result as the API shows it: `reason` always present, the card number when known. */
export function enrollmentAnswer(
  result: { decision: 'enrolled'; cardNumber: string; access?: 'granted' | 'pending_start' } | { decision: 'rejected'; reason: string },
  attempted: string | null,
): z.infer<typeof EnrollmentResult> {
  return result.decision === 'enrolled'
    ? { decision: 'enrolled', reason: null, cardNumber: result.cardNumber, access: result.access ?? 'pending_password' }
    : { decision: 'rejected', reason: result.reason as NonNullable<z.infer<typeof EnrollmentResult>['reason']>, cardNumber: attempted, access: null };
}

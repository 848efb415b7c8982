import { z } from 'zod';
import { IMPORT_MAX_ROWS, IMPORT_REASONS } from '../../domain/imports/member-import.ts';
import { MEMBER_KINDS } from '../../db/entities/member.entity.ts';
import { AccessDays } from './access.schema.ts';
import { AuditEvent, Cursor, DateOnly, Instant, Email, Lifecycle, Limit, Locale, Role, Status, Timestamp, Uuid } from './common.schema.ts';

/** The company an operator admin acts for; a company's own key or admin may leave it out. */
const OperatorsCompany = Uuid.optional().meta({ description: 'Operator admins: the company to act for (a company\'s own key or admin leaves it out)' });

const Kind = z.enum(MEMBER_KINDS).meta({ description: '`member`, or `day_pass`: a guest whose card opens on their `dates` only (a first and a last name required)' });

export const Member = z
  .object({
    id: Uuid,
    companyId: Uuid.meta({ description: 'The company the member belongs to' }),
    email: Email,
    name: z.string(),
    role: Role,
    locale: Locale,
    status: Status,
    siteId: Uuid.nullable(),
    card: z.object({ number: z.string(), state: z.enum(['assigned', 'revoked']), accessGranted: z.boolean() }).nullable(),
    startsOn: DateOnly.nullable().meta({ description: 'First day (at the site): card and Wi-Fi access open at 00:00 there' }),
    endsOn: DateOnly.nullable().meta({ description: 'Last day: the member is removed at the next midnight at the site' }),
    endsAt: Timestamp.nullable().meta({ description: 'When the member is removed automatically (from endsOn, or given exactly)' }),
    externalId: z.string().nullable().meta({ description: 'The identity provider\'s id for the person (SCIM)' }),
    kind: Kind,
    dates: z.array(DateOnly).nullable().meta({ description: 'A day pass\'s dates: the card opens on them only' }),
    cardNeeded: z.boolean().meta({ description: 'Invited with a card registration code; false: no card track (active once the password is set)' }),
    accessDays: AccessDays.nullable(),
    pendingEmail: Email.nullable().meta({ description: 'A new sign-in address waiting for its confirmation (sent there); `email` stays in use until then' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    removedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Member' });

/** Start and end dates, given by HR ahead (null clears one in a PATCH). */
export const MemberDatesFields = {
  startsOn: DateOnly.optional().meta({
    description: 'First day, a date at the member\'s site: the invitation goes out INVITATION_LEAD (7 days) before, card and Wi-Fi access open at 00:00 there; until the invitation the member is `scheduled`',
  }),
  endsOn: DateOnly.optional().meta({ description: 'Last day: the member is removed (offboarding and report) at the next midnight at the site' }),
  endsAt: Instant.optional().meta({ description: 'Or the exact instant the member is removed' }),
};

/** Workways' invite form: Regular member or Guest (Day pass), "Generate an access badge registration code", access days. */
export const MemberAccessFields = {
  kind: Kind.optional(),
  dates: z.array(DateOnly).min(1).max(31).optional().meta({ description: 'A day pass\'s dates (at the site); removed automatically after the last' }),
  card: z.boolean().optional().meta({ description: 'Generate an access card registration code (default true); false: no card track' }),
  accessDays: AccessDays.nullable().optional(),
};

export const InviteMemberBody = z
  .strictObject({
    email: Email,
    name: z.string().trim().min(1).max(200).optional(),
    role: Role.default('user'),
    siteId: Uuid.optional().meta({ description: 'One of the company\'s sites (`GET /v1/sites`); required when it has several' }),
    companyId: OperatorsCompany,
    locale: Locale.default('fr'),
    ...MemberDatesFields,
    ...MemberAccessFields,
  })
  .refine((b) => !(b.endsOn && b.endsAt), { message: 'give endsOn or endsAt, not both', path: ['endsAt'] })
  .meta({ id: 'InviteMember' });

export const InvitedMember = Member.extend({ workflowId: z.string(), reinvited: z.boolean() }).meta({ id: 'InvitedMember' });

const statusList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(Status))
  .meta({ description: 'One status or several, comma-separated', example: 'invited,card_overdue' });

export const ListMembersQuery = z.strictObject({
  companyId: Uuid.optional().meta({ description: 'Operator admins: one company\'s members (an operator key without it lists every company\'s)' }),
  status: statusList.optional(),
  kind: Kind.optional().meta({ description: 'Members only, or day passes only' }),
  q: z.string().trim().max(200).optional().meta({ description: 'Part of the name or e-mail address' }),
  cursor: Cursor.optional(),
  limit: Limit,
});

export const MemberPage = z.object({ items: z.array(Member), nextCursor: z.string().nullable() }).meta({ id: 'MemberPage' });

export const MemberDetail = Member.extend({
  lifecycle: Lifecycle.nullable().meta({ description: 'The running workflow\'s state; null once the lifecycle has ended' }),
}).meta({ id: 'MemberDetail' });

export const PatchMemberBody = z
  .strictObject({
    role: Role.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    email: Email.optional().meta({
      description: 'Before the password exists, a fresh invitation goes to the new address (the old link dies). After, the change waits for the new address to confirm from the link e-mailed there (`pendingEmail`); the old address is told, and every session ends when it takes effect. The operator\'s staff can be changed by the operator only (403).',
    }),
    locale: Locale.optional(),
    siteId: Uuid.optional().meta({ description: 'One of the company\'s sites; only before a card is registered (cards belong to a site)' }),
    startsOn: MemberDatesFields.startsOn.unwrap().nullable().optional(),
    endsOn: MemberDatesFields.endsOn.unwrap().nullable().optional(),
    endsAt: MemberDatesFields.endsAt.unwrap().nullable().optional(),
    accessDays: AccessDays.nullable().optional().meta({ description: 'Narrow the member\'s access (null: back to what the company\'s grants give); never wider than the grants (400)' }),
    dates: MemberAccessFields.dates.meta({ description: 'A day pass\'s new dates' }),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of role, name, email, locale, siteId, startsOn, endsOn, endsAt, accessDays, dates')
  .refine((b) => !(b.endsOn && b.endsAt), { message: 'give endsOn or endsAt, not both', path: ['endsAt'] })
  // The two refinements above, as JSON Schema says them (generated clients and fuzzers read these).
  .meta({ id: 'PatchMember', minProperties: 1, not: { required: ['endsOn', 'endsAt'], properties: { endsOn: { type: 'string' }, endsAt: { type: 'string' } } } });

export const RegisterCardBody = z
  .strictObject({
    cardNumber: z.string().trim().min(1).max(64),
    replace: z.boolean().default(false).meta({ description: 'Swap the member\'s current card for this one (the old one is revoked)' }),
  })
  .meta({ id: 'RegisterCard' });

export const ResendResponse = z.object({ invitationExpiresAt: Timestamp });
export const RemoveQuery = z.strictObject({ reason: z.string().trim().max(500).optional() });
export const RemoveResponse = z.object({ id: Uuid, status: z.literal('removed') });
export const HistoryResponse = z.object({ items: z.array(AuditEvent) });

export const BulkBody = z
  .strictObject({
    members: z
      .array(z.record(z.string(), z.unknown()))
      .min(1)
      .max(IMPORT_MAX_ROWS)
      .meta({ description: 'Each `{email, name?, role?, site?, locale?, reinvite?, startsOn?, endsOn?, kind?, dates?, card?, accessDays?}`; `site` is a site id or name; dates are YYYY-MM-DD at the site (CSV columns `starts_on`, `ends_on`, `kind`, `dates` (space-separated), `card` (yes/no), `access_days` (e.g. `business_week+saturday`)). Rows are checked one by one: a bad row fails alone.' }),
  })
  .meta({ id: 'BulkInvite' });

export const BulkQuery = z.strictObject({
  companyId: OperatorsCompany,
  reinvite: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: '`true`: invite again the members an admin removed (otherwise their rows are skipped, "removed earlier"); a row\'s own `reinvite` column wins' }),
});

export const ImportAccepted = z.object({ importId: Uuid, total: z.number().int() }).meta({ id: 'ImportAccepted' });

export const ImportProgress = z
  .object({
    id: Uuid,
    status: z.enum(['running', 'finished']),
    total: z.number().int(),
    processed: z.number().int(),
    created: z.number().int(),
    skipped: z.number().int(),
    failed: z.number().int(),
    errors: z.array(z.object({ row: z.number().int().meta({ description: 'As the file counts it: for CSV the header is row 1, so the first member is row 2; for JSON the first member is row 1' }), outcome: z.enum(['skipped', 'failed']), message: z.string(),
      reason: z.enum(IMPORT_REASONS).nullable().meta({ description: 'Why, as a stable code (the message is its English wording)' }),
      reasonParams: z.record(z.string(), z.union([z.string(), z.number()])), memberId: Uuid.nullable() })),
    createdAt: Timestamp,
    finishedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ImportProgress' });

export const AuditQuery = z.strictObject({
  companyId: Uuid.optional().meta({ description: 'Operator admins: one company\'s trail (an operator key without it reads the operator\'s whole trail)' }),
  memberId: Uuid.optional(),
  type: z.string().max(100).optional().meta({ description: 'An event type, or a prefix ending in "." (e.g. `access.`)' }),
  actor: z.string().max(100).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  cursor: Cursor.optional(),
  limit: Limit,
  format: z.enum(['json', 'csv']).default('json').meta({ description: '`csv` exports every matching event (or send Accept: text/csv)' }),
});

export const AuditPage = z.object({ items: z.array(AuditEvent), nextCursor: z.string().nullable() }).meta({ id: 'AuditPage' });

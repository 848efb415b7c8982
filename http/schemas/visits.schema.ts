// Visits on the wire: a member's invitation of a visitor, what anyone reads about a visit (never
// its PIN), the reception list, and the kiosks' links.
import { z } from 'zod';
import { VISIT_KINDS, VISIT_STATUSES } from '../../db/entities/visit.entity.ts';
import { DateOnly, Email, Locale, Timestamp, Uuid } from './common.schema.ts';

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM').meta({ example: '14:30' });

export const InviteVisitorBody = z
  .strictObject({
    email: Email.meta({ description: 'The visitor\'s address: their PIN is e-mailed there, and shown nowhere else' }),
    name: z.string().trim().max(200).optional(),
    date: DateOnly.optional().meta({ description: 'The day of the visit at the host\'s site; today when left out' }),
    expectedAt: Time.optional().meta({ description: 'When the host expects them (informative: the PIN opens all the host\'s hours that day)' }),
    message: z.string().trim().max(1000).optional().meta({ description: 'A word from the host, in the visitor\'s e-mail' }),
    locale: Locale.optional().meta({ description: 'The visitor\'s language; the host\'s when left out' }),
    hostMemberId: Uuid.optional().meta({ description: 'API keys and admins: the member who hosts (required with a key). A member session invites for itself.' }),
  })
  .meta({ id: 'InviteVisitor' });

export const Visit = z
  .object({
    id: Uuid,
    site: z.object({ id: Uuid, name: z.string() }),
    companyId: Uuid,
    host: z.object({ id: Uuid, name: z.string() }),
    kind: z.enum(VISIT_KINDS).meta({ description: '`walk_in`: asked for at the reception kiosk, approved by the host' }),
    status: z.enum(VISIT_STATUSES).meta({
      description: '`awaiting_host`: a walk-in waits for the host\'s answer; `expected`: the PIN opens the entrance on `date`; `arrived`: it did (once); `expired`, `cancelled`, `refused`, `unanswered`: it never will',
    }),
    visitor: z.object({ name: z.string().nullable(), email: z.string() }).nullable().meta({ description: 'Null once purged (VISITOR_RETENTION_DAYS after the visit)' }),
    date: DateOnly,
    expectedAt: z.string().nullable(),
    message: z.string().nullable(),
    validFrom: Timestamp.meta({ description: '00:00 at the site on `date`' }),
    validUntil: Timestamp.meta({ description: '24:00 at the site on `date`: the PIN dies then' }),
    createdAt: Timestamp,
    arrivedAt: Timestamp.nullable(),
    endedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Visit' });

export const VisitList = z.object({ items: z.array(Visit) }).meta({ id: 'VisitList' });

export const VisitsQuery = z.strictObject({
  date: DateOnly.optional(),
  from: DateOnly.optional(),
  to: DateOnly.optional(),
  status: z.enum(VISIT_STATUSES).optional(),
  hostMemberId: Uuid.optional().meta({ description: 'Admins and keys: one host\'s visits' }),
  companyId: Uuid.optional().meta({ description: 'Operator admins: the company' }),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const ReceptionQuery = z.strictObject({ date: DateOnly.optional().meta({ description: 'Today at the site when left out' }) });
export const ReceptionList = z.object({ siteId: Uuid, date: DateOnly, items: z.array(Visit) }).meta({ id: 'ReceptionList' });

export const Kiosk = z
  .object({ id: Uuid, siteId: Uuid, name: z.string(), createdAt: Timestamp, revokedAt: Timestamp.nullable(), lastUsedAt: Timestamp.nullable() })
  .meta({ id: 'ReceptionKiosk' });
export const KioskList = z.object({ items: z.array(Kiosk) }).meta({ id: 'ReceptionKioskList' });
export const KioskBody = z.strictObject({ name: z.string().trim().min(1).max(200).meta({ example: 'Lobby tablet' }) });
export const IssuedKiosk = Kiosk.extend({ url: z.string().meta({ description: 'The link to open on the tablet: shown this once' }) }).meta({ id: 'IssuedReceptionKiosk' });
export const KioskParams = z.object({ id: Uuid, kioskId: Uuid });

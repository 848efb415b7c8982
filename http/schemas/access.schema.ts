// The access model on the wire: schedules, zones, grants, a door's list, entry events.
import { z } from 'zod';
import { ACCESS_DAY_CHOICES, DAYS } from '../../db/entities/schedule.ts';
import { ENTRY_EVENT_TYPES } from '../../db/entities/entry-event.entity.ts';
import { DENIAL_REASONS } from '../../domain/access/decide.ts';
import { accessDaysProblem } from '../../domain/access/schedule.ts';
import { Cursor, DateOnly, Instant, Limit, Timestamp, Uuid } from './common.schema.ts';

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time is HH:MM, 00:00 to 24:00').meta({ example: '06:00' });

export const Window = z
  .strictObject({
    days: z.array(z.enum(DAYS)).min(1).max(7),
    from: Time,
    to: Time,
    overnight: z.boolean().optional().meta({ description: 'Ends the next day (e.g. 22:00 to 02:00); without it, `to` must come after `from`' }),
  })
  .meta({ id: 'Window', description: 'Wall-clock time at the site' });

export const Schedule = z
  .strictObject({
    weekly: z.array(Window).max(50).meta({ description: 'When it is open, each week' }),
    closures: z.array(DateOnly).max(400).default([]).meta({ description: 'Whole days (at the site) when it is closed: holidays, closures' }),
  })
  .meta({ id: 'Schedule' });

export const AccessDays = z
  .array(z.enum(ACCESS_DAY_CHOICES))
  .min(1)
  .max(4)
  .superRefine((days, ctx) => {
    const problem = accessDaysProblem(days);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    id: 'AccessDays',
    description: 'What the company admin narrows access to: `business_week` (Mon–Fri 06:00–22:00), plus `saturday` and/or `sunday` (06:00–22:00), or `always`. Null: what the company\'s grants give. Never wider than the grants (400).',
    example: ['business_week', 'saturday'],
  });

export const Zone = z
  .object({
    id: Uuid,
    siteId: Uuid,
    name: z.string(),
    common: z.boolean().meta({ description: 'The site\'s common zone: granted with the site' }),
    doorControllers: z.array(z.object({ id: Uuid, name: z.string() })),
    companies: z.array(z.object({ id: Uuid, name: z.string() })).meta({ description: 'The companies granted this zone' }),
  })
  .meta({ id: 'Zone' });
export const ZoneList = z.object({ items: z.array(Zone) }).meta({ id: 'ZoneList' });
export const ZoneBody = z.strictObject({ name: z.string().trim().min(1).max(200) });
export const ZoneParams = z.object({ id: Uuid, zoneId: Uuid });
export const DoorControllerZoneParams = z.object({ id: Uuid, doorControllerId: Uuid });
export const DoorControllerZoneBody = z.strictObject({ zoneId: Uuid });

export const OpeningHours = z
  .object({ siteId: Uuid, openingHours: Schedule.nullable().meta({ description: 'Null: always open' }) })
  .meta({ id: 'OpeningHours' });
export const OpeningHoursBody = z.strictObject({ openingHours: Schedule.nullable() });

export const ZoneGrant = z
  .object({
    zoneId: Uuid,
    zoneName: z.string(),
    siteId: Uuid,
    siteName: z.string(),
    common: z.boolean(),
    schedule: Schedule.nullable().meta({ description: 'Null: at any hour the site is open' }),
    grantedAt: Timestamp,
  })
  .meta({ id: 'ZoneGrant' });
export const ZoneGrantList = z.object({ items: z.array(ZoneGrant) }).meta({ id: 'ZoneGrantList' });
export const ZoneGrantParams = z.object({ id: Uuid, zoneId: Uuid });
export const ZoneGrantBody = z.strictObject({ schedule: Schedule.nullable().default(null) });

// ---- the door's side --------------------------------------------------------------------------

export const AccessEntry = z
  .object({
    number: z.string(),
    windows: z.array(Window).meta({ description: 'When the card opens this door, each week: each window within one day' }),
    closures: z.array(DateOnly).meta({ description: 'Days it opens nothing' }),
    dates: z.array(DateOnly).nullable().meta({ description: 'A day pass: the only dates it opens on' }),
    validFrom: Timestamp.nullable(),
    validUntil: Timestamp.nullable(),
  })
  .meta({ id: 'AccessEntry' });

export const VisitorPinEntry = z
  .object({
    visitId: Uuid.meta({ description: 'Sent back as the entry event\'s `visitId` when this PIN opens the door offline' }),
    pinHash: z.string().meta({ description: 'PBKDF2-SHA256 of the PIN\'s six digits (without `#`) with `hash.salt`, hex' }),
    windows: z.array(Window),
    closures: z.array(DateOnly),
    dates: z.array(DateOnly).nullable().meta({ description: 'The visit\'s date' }),
    validFrom: Timestamp.nullable(),
    validUntil: Timestamp.nullable(),
  })
  .meta({ id: 'VisitorPinEntry', description: 'A visitor\'s single-use PIN: the same rule as a card. Used once, the door must refuse it again until its list no longer carries it.' });

export const AccessList = z
  .object({
    version: z.number().int().meta({ description: 'This door\'s list version, also its ETag: send it back as If-None-Match' }),
    timeZone: z.string().meta({ description: 'The site\'s IANA time zone: windows, closures and dates are read in it' }),
    cards: z.array(AccessEntry).meta({ description: 'The cards that open this door at some time, with when' }),
    visitorPins: z
      .object({
        hash: z.object({ algorithm: z.literal('pbkdf2-sha256'), iterations: z.number().int(), bytes: z.number().int(), salt: z.string().meta({ description: 'The site\'s salt, used as UTF-8 text' }) }),
        entries: z.array(VisitorPinEntry),
      })
      .nullable()
      .meta({ description: 'At an entrance door (the site\'s common zone): the live visitor PINs, hashed. Null at other doors: a visitor PIN opens nothing there.' }),
  })
  .meta({
    id: 'AccessList',
    description:
      'A card opens the door at instant t when it is listed, validFrom ≤ t < validUntil (when set), the date at the site is among `dates` (a day pass) and not among `closures`, and the wall-clock time at the site falls in one of `windows` (from ≤ time < to on that weekday).',
  });

export const EntryEventInput = z
  .strictObject({
    id: Uuid.meta({ description: 'The controller\'s own id for the event: sending it again stores nothing twice' }),
    type: z.enum(ENTRY_EVENT_TYPES),
    cardNumber: z.string().trim().min(1).max(64).optional().meta({ description: 'The card presented (or `visitId`)' }),
    visitId: Uuid.optional().meta({ description: 'A visitor PIN from the list (or `cardNumber`): granted, it uses the PIN up' }),
    at: Instant.meta({ description: 'When the door decided' }),
    reason: z.enum(DENIAL_REASONS).optional().meta({ description: 'Why a card was denied' }),
  })
  .refine((e) => (e.cardNumber === undefined) !== (e.visitId === undefined), { message: 'an event names a cardNumber or a visitId (one of them)', path: ['cardNumber'] });
export const EntryEventsBody = z.strictObject({ events: z.array(EntryEventInput).min(1).max(500) }).meta({ id: 'EntryEventBatch' });
export const EntryEventsAccepted = z
  .object({ received: z.number().int(), stored: z.number().int(), duplicates: z.number().int().meta({ description: 'Already stored from an earlier upload' }) })
  .meta({ id: 'EntryEventsAccepted' });

// ---- what the operator reads -----------------------------------------------------------------

export const EntryEvent = z
  .object({
    id: z.string(),
    eventId: Uuid,
    type: z.enum(ENTRY_EVENT_TYPES),
    reason: z.string().nullable(),
    cardNumber: z.string().nullable().meta({ description: 'Null for a visitor\'s PIN' }),
    visit: z.object({ id: Uuid, visitorName: z.string().nullable() }).nullable().meta({ description: 'A visitor\'s PIN: their visit (the name is gone once purged)' }),
    at: Timestamp,
    doorController: z.object({ id: Uuid, name: z.string() }),
    zone: z.object({ id: Uuid, name: z.string() }).nullable(),
    member: z.object({ id: Uuid, name: z.string() }).nullable(),
    company: z.object({ id: Uuid, name: z.string() }).nullable(),
  })
  .meta({ id: 'EntryEvent' });
export const EntryEventPage = z.object({ items: z.array(EntryEvent), nextCursor: z.string().nullable() }).meta({ id: 'EntryEventPage' });
export const EntryEventsQuery = z.strictObject({
  from: Instant.optional(),
  to: Instant.optional(),
  type: z.enum(ENTRY_EVENT_TYPES).optional(),
  cardNumber: z.string().trim().max(64).optional(),
  doorControllerId: Uuid.optional(),
  companyId: Uuid.optional(),
  format: z.enum(['json', 'csv']).default('json'),
  cursor: Cursor.optional(),
  limit: Limit,
});
export const PresentNow = z
  .object({ siteId: Uuid, date: DateOnly, items: z.array(EntryEvent).meta({ description: 'Each card whose last event today was a granted entry, latest first' }) })
  .meta({ id: 'PresentNow' });

export const AccessCheckQuery = z.strictObject({ doorControllerId: Uuid, cardNumber: z.string().trim().min(1).max(64), at: Instant.optional() });
export const AccessCheck = z
  .object({ granted: z.boolean(), reason: z.enum([...DENIAL_REASONS]).nullable(), at: Timestamp })
  .meta({ id: 'AccessCheck', description: 'The server\'s decision: the rule a door applies to its list' });

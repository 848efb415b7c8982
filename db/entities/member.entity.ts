import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Company } from './company.entity.ts';
import { Site } from './site.entity.ts';
import type { AccessDayChoice } from './schedule.ts';

export const MEMBER_ROLES = ['admin', 'user'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const MEMBER_LOCALES = ['fr', 'en'] as const;
export type MemberLocale = (typeof MEMBER_LOCALES)[number];

// Mirrors the lifecycle workflow's status, which is also the `MemberStatus` search attribute.
export const MEMBER_STATUSES = [
  // Known ahead by HR: nothing is sent before the start date minus INVITATION_LEAD; also a member
  // who has done everything and waits for their first day (access opens at 00:00 there).
  'scheduled',
  // Joined by "S'inscrire" at a company that approves newcomers: waits for an admin (14 days).
  'awaiting_approval',
  'invited',
  'invitation_expired',
  'awaiting_card',
  'card_overdue',
  'active',
  'removed',
] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

// A member, or a guest on a day pass (Workways' "Guest (Day pass)"): their card opens on their dates only.
export const MEMBER_KINDS = ['member', 'day_pass'] as const;
export type MemberKind = (typeof MEMBER_KINDS)[number];

export const MemberSchema = defineEntity({
  name: 'Member',
  // One row per person per company: re-inviting a removed member reuses it (new workflow run).
  // The PIN typed at the door identifies a pending enrollment within a site: unique there while it
  // is held (NULLs never collide, so finished enrollments release it by clearing it).
  uniques: [{ properties: ['company', 'email'] }, { properties: ['site', 'enrollmentPin'] }, { properties: ['company', 'externalId'] }],
  indexes: [{ properties: ['company', 'status'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    company: () => p.manyToOne(Company).fieldName('organization_id'),
    site: () => p.manyToOne(Site).nullable(),
    // Stored lower-cased so uniqueness is case-insensitive.
    email: p.string().length(320),
    name: p.string().length(200),
    role: p.enum(MEMBER_ROLES).default('user'),
    locale: p.enum(MEMBER_LOCALES).default('fr'),
    status: p.enum(MEMBER_STATUSES).default('invited'),
    // Staff of the operator (usually members of its own company): they own sites, doors and
    // card stock, manage companies and may act on any member, audited under their name.
    operatorAdmin: p.boolean().default(false),
    passwordHash: p.string().length(255).nullable().hidden(),
    // `*` + 4 digits, revealed at wizard step 1 and typed at the door controller with the card.
    enrollmentPin: p.string().length(5).nullable(),
    // The lifecycle workflow run that owns this member (`member-<id>`); null until it has started,
    // which is how a start lost between the database and Temporal is found again.
    workflowRunId: p.string().length(64).nullable(),
    // The first day (a date at the site): access opens at 00:00 there; the invitation goes out
    // INVITATION_LEAD before. The last day (`endsOn`, removed at the next midnight there) or the
    // exact end (`endsAt`, always set when there is an end: the instant the lifecycle waits for).
    startsOn: p.string().columnType('date').nullable(),
    endsOn: p.string().columnType('date').nullable(),
    endsAt: p.datetime().nullable(),
    // The identity provider's own id for the person (SCIM `externalId`): how Okta and Entra match.
    externalId: p.string().length(255).nullable(),
    kind: p.enum(MEMBER_KINDS).default('member'),
    // A day pass's dates (YYYY-MM-DD at the site), sorted: the card opens on them only.
    dayPassDates: p.json<string[]>().nullable(),
    // Invited with a registration code (Workways' checkbox): without, no card track at all.
    cardNeeded: p.boolean().default(true),
    // What the company admin narrowed access to (business week, + Saturday, + Sunday, always); null:
    // what the company's grants give.
    accessDays: p.json<AccessDayChoice[]>().nullable(),
    // What the identity provider last wrote (SCIM User minus what we derive), answered back as is.
    scimAttributes: p.json<Record<string, unknown>>().nullable(),
    // Deleted through SCIM: the member is removed and the SCIM user answers 404 from then on.
    scimDeletedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    removedAt: p.datetime().nullable(),
    // Name, e-mail, external id and Wi-Fi credentials gone (retention or an erasure request).
    pseudonymisedAt: p.datetime().nullable(),
  },
});

export class Member extends MemberSchema.class {}
MemberSchema.setClass(Member);

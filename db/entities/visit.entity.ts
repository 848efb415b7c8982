import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Company } from './company.entity.ts';
import { Member, MEMBER_LOCALES } from './member.entity.ts';
import { Site } from './site.entity.ts';

export const VISIT_KINDS = ['invited', 'walk_in'] as const;
export type VisitKind = (typeof VISIT_KINDS)[number];

/**
 * `awaiting_host`: a walk-in waits for their host's answer; `expected`: the PIN is (or is about to
 * be) e-mailed and opens the entrance on the visit's date; `arrived`: the PIN was used (once);
 * the others end a visit that never arrived.
 */
export const VISIT_STATUSES = ['awaiting_host', 'expected', 'arrived', 'expired', 'cancelled', 'refused', 'unanswered'] as const;
export type VisitStatus = (typeof VISIT_STATUSES)[number];
/** A visit whose PIN may still open the entrance (or be issued). */
export const LIVE_VISIT_STATUSES: readonly VisitStatus[] = ['awaiting_host', 'expected'];

/**
 * A visitor's day at a site, hosted by a member: Workways' "Visitor access PIN". The PIN itself
 * is never stored, only its hash (with the site's salt, as the doors' lists carry it), and only
 * while it may open the door. The visitor's name and e-mail are purged VISITOR_RETENTION_DAYS after
 * the visit (the CNIL's three months); the row stays, so visits can still be counted.
 */
export const VisitSchema = defineEntity({
  name: 'Visit',
  indexes: [
    { properties: ['site', 'date'] },
    { properties: ['host', 'date'] },
    // A live PIN names one visit at its site: the door finds it by its hash.
    { name: 'visit_live_pin_unique', expression: 'create unique index "visit_live_pin_unique" on "visit" ("site_id", "pin_hash") where "pin_hash" is not null' },
  ],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    site: () => p.manyToOne(Site).deleteRule('cascade'),
    company: () => p.manyToOne(Company).fieldName('organization_id').deleteRule('cascade'),
    host: () => p.manyToOne(Member).deleteRule('cascade'),
    kind: p.enum(VISIT_KINDS).default('invited'),
    status: p.enum(VISIT_STATUSES),
    // Null once purged.
    visitorName: p.string().length(200).nullable(),
    visitorEmail: p.string().length(320).nullable(),
    locale: p.enum(MEMBER_LOCALES).default('fr'),
    // The day at the site, and the time the host expects them (informative: the PIN opens all the host's hours that day).
    date: p.date(),
    expectedAt: p.string().length(5).nullable(),
    message: p.string().length(1000).nullable(),
    pinHash: p.string().length(64).nullable(),
    // 00:00 to 24:00 on the date at the site: the PIN is dead outside.
    validFrom: p.datetime(),
    validUntil: p.datetime(),
    createdBy: p.string().length(100),
    createdAt: p.datetime().onCreate(() => new Date()),
    arrivedAt: p.datetime().nullable(),
    endedAt: p.datetime().nullable(),
    purgedAt: p.datetime().nullable(),
  },
});

export class Visit extends VisitSchema.class {}
VisitSchema.setClass(Visit);

/**
 * A reception tablet's link: a long random token (only its hash is kept), revocable. It opens the
 * site's walk-in pages and nothing else: no session, no directory.
 */
export const ReceptionKioskSchema = defineEntity({
  name: 'ReceptionKiosk',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    site: () => p.manyToOne(Site).deleteRule('cascade'),
    name: p.string().length(200),
    tokenHash: p.string().length(64).unique(),
    createdBy: p.string().length(100),
    createdAt: p.datetime().onCreate(() => new Date()),
    revokedAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
  },
});

export class ReceptionKiosk extends ReceptionKioskSchema.class {}
ReceptionKioskSchema.setClass(ReceptionKiosk);

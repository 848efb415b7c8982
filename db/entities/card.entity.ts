import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Member } from './member.entity.ts';
import { Site } from './site.entity.ts';

export const CARD_STATES = ['stock', 'assigned', 'revoked'] as const;
export type CardState = (typeof CARD_STATES)[number];

/**
 * A physical access card of a site's stock; `qrToken` is what the QR code printed on it encodes.
 * The site's door access list is its cards that are `assigned` with `accessGrantedAt` set.
 */
export const CardSchema = defineEntity({
  name: 'Card',
  // A QR payload is unique within its site only: a global rule would let one company learn, from a
  // refusal, that another's card carries it. Generated payloads have 144 random bits anyway.
  uniques: [{ properties: ['site', 'number'] }, { properties: ['site', 'qrToken'] }],
  indexes: [{ properties: ['site', 'state'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    site: () => p.manyToOne(Site),
    number: p.string().length(64),
    qrToken: p.string().length(128),
    state: p.enum(CARD_STATES).default('stock'),
    member: () => p.manyToOne(Member).nullable(),
    assignedAt: p.datetime().nullable(),
    // Set when the member became active: only then does the card open the site's doors.
    accessGrantedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Card extends CardSchema.class {}
CardSchema.setClass(Card);

import { defineEntity, p } from '@mikro-orm/core';
import { DoorController } from './door-controller.entity.ts';
import { Site } from './site.entity.ts';

/**
 * Signatures a door controller already used, kept past the 5-minute tolerance: the same signed
 * request sent twice is refused, whichever API instance receives it.
 */
export const DoorSignatureSchema = defineEntity({
  name: 'DoorSignature',
  uniques: [{ properties: ['doorController', 'signature'] }],
  indexes: [{ properties: ['seenAt'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    doorController: () => p.manyToOne(DoorController),
    signature: p.string().length(64),
    seenAt: p.datetime().onCreate(() => new Date()),
  },
});

export class DoorSignature extends DoorSignatureSchema.class {}
DoorSignatureSchema.setClass(DoorSignature);

/**
 * Readers that report the keypad and the card as two events: the PIN waits here (one per
 * controller, the latest wins) for the card presented within 30 seconds.
 */
export const DoorPendingPinSchema = defineEntity({
  name: 'DoorPendingPin',
  properties: {
    doorController: () => p.oneToOne(DoorController).primary().owner(),
    pin: p.string().length(5),
    enteredAt: p.datetime().onCreate(() => new Date()),
  },
});

export class DoorPendingPin extends DoorPendingPinSchema.class {}
DoorPendingPinSchema.setClass(DoorPendingPin);

/**
 * PIN + card pairs tried at a site's doors. The PIN is four digits, so the guesses a site allows
 * are counted here: per site (a second controller must not double them), and decided under a
 * per-site lock — a wrong PIN is failed in the same transaction that looked it up, and a right
 * PIN's pair is `pending` while its lifecycle decides, counting against that same PIN only — so
 * parallel guesses cannot slip past the limit and members enrolling at once do not lock each other out.
 */
export const DOOR_ATTEMPT_OUTCOMES = ['pending', 'failed', 'succeeded'] as const;

export const DoorPinAttemptSchema = defineEntity({
  name: 'DoorPinAttempt',
  indexes: [{ properties: ['site', 'attemptedAt'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    site: () => p.manyToOne(Site).deleteRule('cascade'),
    doorController: () => p.manyToOne(DoorController).deleteRule('cascade'),
    pin: p.string().length(5),
    attemptedAt: p.datetime().onCreate(() => new Date()),
    outcome: p.enum(DOOR_ATTEMPT_OUTCOMES).default('pending'),
  },
});

export class DoorPinAttempt extends DoorPinAttemptSchema.class {}
DoorPinAttemptSchema.setClass(DoorPinAttempt);

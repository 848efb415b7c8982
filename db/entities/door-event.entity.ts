import { defineEntity, p } from '@mikro-orm/core';
import { DoorController } from './door-controller.entity.ts';

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

import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Site } from './site.entity.ts';
import { Zone } from './zone.entity.ts';

/**
 * The reader + keypad at one of a site's doors. It signs its events with HMAC-SHA256, so the server
 * needs the secret itself, not a hash: it is kept encrypted with the deployment's key.
 */
export const DoorControllerSchema = defineEntity({
  name: 'DoorController',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    site: () => p.manyToOne(Site),
    // The zone this door guards: its access list is the cards of the companies granted that zone.
    zone: () => p.manyToOne(Zone),
    // Bumped when this door's list changes, and only then: its ETag.
    accessListVersion: p.integer().default(1),
    name: p.string().length(200),
    secretCiphertext: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastSeenAt: p.datetime().nullable(),
  },
});

export class DoorController extends DoorControllerSchema.class {}
DoorControllerSchema.setClass(DoorController);

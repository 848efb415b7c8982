import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Site } from './site.entity.ts';
import { Zone } from './zone.entity.ts';

/** One OSDP reader or keypad on the agent's bus, as its last heartbeat found it. */
export interface AgentReader {
  address: number;
  online: boolean;
  secureChannel: boolean;
  tamper: boolean;
  powerFailure: boolean;
}

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
    // The door agent's last heartbeat, as it reported itself: what the operator's site page shows.
    heartbeatAt: p.datetime().nullable(),
    agentVersion: p.string().length(40).nullable(),
    agentListVersion: p.integer().nullable(),
    agentQueuedEvents: p.integer().nullable(),
    agentReaders: p.json<AgentReader[]>().nullable(),
  },
});

export class DoorController extends DoorControllerSchema.class {}
DoorControllerSchema.setClass(DoorController);

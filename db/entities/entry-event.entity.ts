import { defineEntity, p } from '@mikro-orm/core';
import { DoorController } from './door-controller.entity.ts';
import { Site } from './site.entity.ts';

export const ENTRY_EVENT_TYPES = ['granted', 'denied'] as const;
export type EntryEventType = (typeof ENTRY_EVENT_TYPES)[number];

/**
 * What happened at a door: a card granted or denied, as the controller decided and uploaded it.
 * Movement records: the operator's staff read them (who is present now, the access log), company
 * admins never do (access logs are not time-tracking), and they are purged after
 * ENTRY_EVENT_RETENTION_DAYS (the CNIL's three months).
 */
export const EntryEventSchema = defineEntity({
  name: 'EntryEvent',
  // The controller's own event id: an upload sent again after a lost answer stores nothing twice.
  uniques: [{ properties: ['doorController', 'eventId'] }],
  indexes: [{ properties: ['site', 'occurredAt'] }, { properties: ['occurredAt'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    doorController: () => p.manyToOne(DoorController).deleteRule('cascade'),
    eventId: p.uuid(),
    site: () => p.manyToOne(Site).deleteRule('cascade'),
    // Denormalised on purpose: the zone and the member's company as they were at the door.
    zoneId: p.uuid().nullable(),
    type: p.enum(ENTRY_EVENT_TYPES),
    // A card's number, or null for a visitor's PIN (then `visitId`).
    cardNumber: p.string().length(64).nullable(),
    visitId: p.uuid().nullable(),
    reason: p.string().length(40).nullable(),
    memberId: p.uuid().nullable(),
    companyId: p.uuid().fieldName('organization_id').nullable(),
    occurredAt: p.datetime(),
    receivedAt: p.datetime().onCreate(() => new Date()),
  },
});

export class EntryEvent extends EntryEventSchema.class {}
EntryEventSchema.setClass(EntryEvent);

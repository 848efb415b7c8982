import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Site } from './site.entity.ts';

/**
 * An access point or Wi-Fi controller at a site, allowed to ask the RADIUS server about members.
 * FreeRADIUS reads the shared secret from the database (the `radius.nas` view), so unlike a door
 * controller's it cannot be encrypted with the deployment's key; the API shows it only once.
 * The address is unique across sites: RADIUS knows a client by its source address alone.
 */
export const RadiusClientSchema = defineEntity({
  name: 'RadiusClient',
  indexes: [{ properties: ['site'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    site: () => p.manyToOne(Site),
    name: p.string().length(200),
    address: p.string().length(45).unique(),
    secret: p.string().length(128).hidden(),
    // Where it listens for Disconnect-Messages (RFC 5176).
    coaPort: p.integer().default(3799),
    createdAt: p.datetime().onCreate(() => new Date()),
    createdBy: p.string().length(100),
  },
});

export class RadiusClient extends RadiusClientSchema.class {}
RadiusClientSchema.setClass(RadiusClient);

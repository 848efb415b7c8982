import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from './organization.entity.ts';

/** A building or office of an organisation: its doors, its card stock and its Wi-Fi network. */
export const SiteSchema = defineEntity({
  name: 'Site',
  uniques: [{ properties: ['organization', 'name'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    organization: () => p.manyToOne(Organization),
    name: p.string().length(200),
    // IANA zone: reminders and e-mails speak in the site's local time.
    timeZone: p.string().length(64).default('Europe/Paris'),
    wifiSsid: p.string().length(64).nullable(),
    // Bumped with every change of the door access list: door controllers sync by version/ETag.
    accessListVersion: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Site extends SiteSchema.class {}
SiteSchema.setClass(Site);

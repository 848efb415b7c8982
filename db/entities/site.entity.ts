import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import type { Schedule } from './schedule.ts';
import { Operator } from './operator.entity.ts';

/**
 * A building the operator runs: its zones and doors, its card stock and its Wi-Fi network. Companies
 * are granted sites (company_site: their members may be there) and zones of them (zone_grant).
 */
export const SiteSchema = defineEntity({
  name: 'Site',
  uniques: [{ properties: ['operator', 'name'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    operator: () => p.manyToOne(Operator),
    // Where the building is, shown to the companies it is granted to.
    address: p.string().length(300).nullable(),
    name: p.string().length(200),
    // IANA zone: reminders and e-mails speak in the site's local time.
    timeZone: p.string().length(64).default('Europe/Paris'),
    wifiSsid: p.string().length(64).nullable(),
    // Bumped with every change of any of its doors' access lists (each door has its own version).
    accessListVersion: p.integer().default(0),
    // When the building is open, with its closures; null: always. Every card's access is within it.
    openingHours: p.json<Schedule>().nullable(),
    // What a visitor's e-mail tells them about getting in (the reception desk, the floor, the badge).
    visitorInstructions: p.text().nullable(),
    // Salts this site's visitor PIN hashes, as the doors' lists carry them: a hash from one site
    // says nothing at another.
    visitorPinSalt: p.uuid().defaultRaw('gen_random_uuid()'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Site extends SiteSchema.class {}
SiteSchema.setClass(Site);

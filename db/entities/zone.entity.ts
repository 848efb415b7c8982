import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import type { Schedule } from './schedule.ts';
import { Company } from './company.entity.ts';
import { Site } from './site.entity.ts';

/**
 * A set of doors of a site: the entrance and common areas, a floor, a company's suite. Each door
 * controller guards one zone. Every site has one common zone, which every company granted the site
 * may use (what a site's doors were before zones existed).
 */
export const ZoneSchema = defineEntity({
  name: 'Zone',
  uniques: [{ properties: ['site', 'name'] }],
  // One common zone per site.
  indexes: [{ name: 'zone_common_unique', expression: 'create unique index "zone_common_unique" on "zone" ("site_id") where "common"' }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    site: () => p.manyToOne(Site).deleteRule('cascade'),
    name: p.string().length(200),
    common: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Zone extends ZoneSchema.class {}
ZoneSchema.setClass(Zone);

/** A zone the operator granted to a company, on a schedule (null: at any hour the site is open). */
export const ZoneGrantSchema = defineEntity({
  name: 'ZoneGrant',
  indexes: [{ properties: ['zone'] }],
  properties: {
    company: () => p.manyToOne(Company).fieldName('organization_id').primary(),
    zone: () => p.manyToOne(Zone).primary().deleteRule('cascade'),
    schedule: p.json<Schedule>().nullable(),
    grantedAt: p.datetime().onCreate(() => new Date()),
  },
});

export class ZoneGrant extends ZoneGrantSchema.class {}
ZoneGrantSchema.setClass(ZoneGrant);

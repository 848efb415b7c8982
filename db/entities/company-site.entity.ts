import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from './organization.entity.ts';
import { Site } from './site.entity.ts';

/** A site the operator granted to a company: its admins may invite members there. */
export const CompanySiteSchema = defineEntity({
  name: 'CompanySite',
  indexes: [{ properties: ['site'] }],
  properties: {
    organization: () => p.manyToOne(Organization).primary(),
    site: () => p.manyToOne(Site).primary(),
    grantedAt: p.datetime().onCreate(() => new Date()),
  },
});

export class CompanySite extends CompanySiteSchema.class {}
CompanySiteSchema.setClass(CompanySite);

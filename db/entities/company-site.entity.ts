import { defineEntity, p } from '@mikro-orm/core';
import { Company } from './company.entity.ts';
import { Site } from './site.entity.ts';

/** A site the operator granted to a company: its admins may invite members there. */
export const CompanySiteSchema = defineEntity({
  name: 'CompanySite',
  indexes: [{ properties: ['site'] }],
  properties: {
    company: () => p.manyToOne(Company).fieldName('organization_id').primary(),
    site: () => p.manyToOne(Site).primary(),
    grantedAt: p.datetime().onCreate(() => new Date()),
    // The company's own network at this site: access points put its members on this VLAN
    // (Tunnel-Private-Group-Id in the Access-Accept). Null: the SSID's default VLAN.
    wifiVlan: p.smallint().nullable(),
  },
});

export class CompanySite extends CompanySiteSchema.class {}
CompanySiteSchema.setClass(CompanySite);

import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Member } from './member.entity.ts';
import { Company } from './company.entity.ts';

/**
 * A group an identity provider pushed (Okta Group Push, Entra group assignment). Only membership
 * of the one named by SCIM_ADMIN_GROUP means something here (administrators); the others are kept
 * so the provider reads back what it wrote.
 */
export const ScimGroupSchema = defineEntity({
  name: 'ScimGroup',
  uniques: [{ properties: ['company', 'displayName'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    company: () => p.manyToOne(Company).fieldName('organization_id'),
    displayName: p.string().length(256),
    externalId: p.string().length(255).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export class ScimGroup extends ScimGroupSchema.class {}
ScimGroupSchema.setClass(ScimGroup);

export const ScimGroupMemberSchema = defineEntity({
  name: 'ScimGroupMember',
  indexes: [{ properties: ['member'] }],
  properties: {
    group: () => p.manyToOne(ScimGroup).primary().deleteRule('cascade'),
    member: () => p.manyToOne(Member).primary(),
    // What the provider wrote as the member's `display`, answered back as written (its comparisons
    // after a write hold); null: it wrote none, and the member's name is answered.
    display: p.string().length(256).nullable(),
  },
});
export class ScimGroupMember extends ScimGroupMemberSchema.class {}
ScimGroupMemberSchema.setClass(ScimGroupMember);

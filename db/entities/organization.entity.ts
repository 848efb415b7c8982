import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

/** Per-organisation overrides of the deployment's lifecycle durations (milliseconds). */
export interface LifecycleOverrides {
  invitationRemindersMs?: number[];
  invitationExpiresAfterMs?: number;
  cardRemindersMs?: number[];
  cardOverdueAfterMs?: number;
}

export const OrganizationSchema = defineEntity({
  name: 'Organization',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    name: p.string().length(200),
    lifecycleOverrides: p.json<LifecycleOverrides>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Organization extends OrganizationSchema.class {}
OrganizationSchema.setClass(Organization);

import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

/** Per-organisation overrides of the deployment's lifecycle durations (milliseconds). */
export interface LifecycleOverrides {
  invitationRemindersMs?: number[];
  invitationExpiresAfterMs?: number;
  cardRemindersMs?: number[];
  cardOverdueAfterMs?: number;
}

export const DEFAULT_BRAND_COLOR = '#1d4ed8';

export const OrganizationSchema = defineEntity({
  name: 'Organization',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    name: p.string().length(200),
    // The header of every e-mail (and, later, the pages): a colour as #rrggbb and an optional
    // absolute https:// logo URL. Both are checked where they are set.
    brandColor: p.string().length(7).default(DEFAULT_BRAND_COLOR),
    logoUrl: p.string().length(2000).nullable(),
    lifecycleOverrides: p.json<LifecycleOverrides>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Organization extends OrganizationSchema.class {}
OrganizationSchema.setClass(Organization);

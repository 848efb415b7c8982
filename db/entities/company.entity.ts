import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Operator } from './operator.entity.ts';

/** Per-company overrides of the deployment's lifecycle durations (milliseconds). */
export interface LifecycleOverrides {
  invitationRemindersMs?: number[];
  invitationExpiresAfterMs?: number;
  cardRemindersMs?: number[];
  cardOverdueAfterMs?: number;
}

export const DEFAULT_BRAND_COLOR = '#1d4ed8';

// "S'inscrire": someone at one of the company's domains joins at once, or waits for an admin.
export const JOIN_POLICIES = ['automatic', 'approval'] as const;
export type JoinPolicy = (typeof JOIN_POLICIES)[number];

/** Single sign-on with the company's identity provider (OpenID Connect). The secret is sealed (domain/secrets.ts). */
export interface CompanySso {
  issuer: string;
  clientId: string;
  clientSecretSealed: string;
  /** What the button says: "Sign in with <label>". */
  label: string;
  /** The company's members cannot use a password (nor reset one). */
  required: boolean;
}

// A customer company of the operator. The table keeps its first name ("organization"), and so do
// its id columns elsewhere (`organization_id`) and the `OrganizationId` search attribute: running
// lifecycles and the databases of existing installs know them by it.
export const CompanySchema = defineEntity({
  name: 'Company',
  tableName: 'organization',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    operator: () => p.manyToOne(Operator),
    name: p.string().length(200),
    // The header of every e-mail (and, later, the pages): a colour as #rrggbb and an optional
    // absolute https:// logo URL. Both are checked where they are set.
    brandColor: p.string().length(7).default(DEFAULT_BRAND_COLOR),
    logoUrl: p.string().length(2000).nullable(),
    lifecycleOverrides: p.json<LifecycleOverrides>().nullable(),
    joinPolicy: p.enum(JOIN_POLICIES).default('approval'),
    // Contracted seats, set by the operator; null: no limit. Day passes and pending sign-ups take none.
    seats: p.integer().nullable(),
    sso: p.json<CompanySso>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    // Set when its offboarding completed: its keys stop working and it has no sites left.
    offboardedAt: p.datetime().nullable(),
  },
});

export class Company extends CompanySchema.class {}
CompanySchema.setClass(Company);

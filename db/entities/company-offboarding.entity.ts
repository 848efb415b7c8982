import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Company } from './company.entity.ts';

export const COMPANY_OFFBOARDING_STATES = ['scheduled', 'running', 'completed', 'cancelled'] as const;
export type CompanyOffboardingState = (typeof COMPANY_OFFBOARDING_STATES)[number];

/**
 * A company leaving (end of contract), driven by its `company-offboarding-<id>` workflow; this row
 * is what the operator reads while it runs and after it ended. One live offboarding per company.
 */
export const CompanyOffboardingSchema = defineEntity({
  name: 'CompanyOffboarding',
  indexes: [{ properties: ['company', 'createdAt'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    company: () => p.manyToOne(Company).fieldName('organization_id'),
    effectiveAt: p.datetime(),
    state: p.enum(COMPANY_OFFBOARDING_STATES).default('scheduled'),
    requestedBy: p.string().length(100),
    // Known once it starts: the members to remove, and how many are removed so far.
    total: p.integer().nullable(),
    removed: p.integer().default(0),
    workflowId: p.string().length(200),
    createdAt: p.datetime().onCreate(() => new Date()),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    cancelledBy: p.string().length(100).nullable(),
  },
});

export class CompanyOffboarding extends CompanyOffboardingSchema.class {}
CompanyOffboardingSchema.setClass(CompanyOffboarding);

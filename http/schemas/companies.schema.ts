import { z } from 'zod';
import { Email, Locale, Timestamp, Uuid } from './common.schema.ts';

export const CompanyOffboarding = z
  .object({
    id: Uuid,
    state: z.enum(['scheduled', 'running', 'completed', 'cancelled']),
    effectiveAt: Timestamp,
    requestedBy: z.string(),
    total: z.number().int().nullable().meta({ description: 'Members to remove, known once it has started' }),
    removed: z.number().int(),
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
    cancelledBy: z.string().nullable(),
  })
  .meta({ id: 'CompanyOffboarding' });

export const Company = z
  .object({
    id: Uuid,
    name: z.string(),
    siteIds: z.array(Uuid).meta({ description: 'The operator\'s sites granted to the company' }),
    liveMembers: z.number().int().meta({ description: 'Members not removed' }),
    createdAt: Timestamp,
    offboardedAt: Timestamp.nullable(),
    offboarding: CompanyOffboarding.nullable().meta({ description: 'The latest offboarding, whatever its state' }),
  })
  .meta({ id: 'Company' });

export const CompanyList = z.object({ items: z.array(Company) });

export const CreateCompanyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    siteIds: z.array(Uuid).min(1).max(100),
    admin: z.strictObject({ email: Email, name: z.string().trim().min(1).max(200).optional(), locale: Locale.optional() }),
  })
  .meta({ id: 'CreateCompany' });

export const CreatedCompany = z
  .object({
    id: Uuid,
    apiKey: z.string().meta({ description: 'The company\'s API key for its HR system: shown this once' }),
    adminMemberId: Uuid,
  })
  .meta({ id: 'CreatedCompany' });

export const UpdateCompanyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    siteIds: z.array(Uuid).min(1).max(100).optional(),
  })
  .refine((b) => b.name !== undefined || b.siteIds !== undefined, 'give name or siteIds')
  .meta({ id: 'UpdateCompany' });

export const UpdateCompanyQuery = z.strictObject({
  offboardMembers: z.enum(['true', 'false']).optional().meta({ description: '`true`: the company\'s members at a site taken away are removed (otherwise the change is refused while there are any)' }),
});

export const ScheduleOffboardingBody = z
  .strictObject({
    effectiveAt: z.iso.datetime({ offset: true }).optional().meta({ description: 'When every member is removed; now when left out' }),
  })
  .meta({ id: 'ScheduleOffboarding' });

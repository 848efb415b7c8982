import { z } from 'zod';
import { RetentionOverrides } from '../../domain/privacy/retention.ts';
import { Timestamp, Uuid } from './common.schema.ts';

export const ErasedMember = z
  .object({
    memberId: Uuid,
    pseudonym: z.string().meta({ example: 'Membre 7f3a1c' }),
    pseudonymisedAt: Timestamp,
    now: z.boolean().meta({ description: 'False: the member had been pseudonymised already (by the retention purge or an earlier request)' }),
  })
  .meta({ id: 'ErasedMember' });

export const AuditHead = z
  .object({
    chains: z.array(
      z.object({
        chain: z.string().meta({ example: 'company:0b7c4a6e-2f1d-4c8e-9a57-3e1f2b9d6c10', description: '`company:<id>`, or `operator:<id>` for the operator\'s own events' }),
        seq: z.number().int().meta({ description: 'How many events the chain holds' }),
        hash: z.string().regex(/^[0-9a-f]{64}$/).meta({ description: 'The last event\'s hash: what `npm run audit:verify` prints for a full export' }),
      }),
    ),
  })
  .meta({ id: 'AuditHead' });

const Settings = z.object({
  entryEventDays: z.number().int(),
  visitorDays: z.number().int(),
  messageDays: z.number().int(),
  pseudonymiseAfterMonths: z.number().int(),
});

export const RetentionBody = RetentionOverrides.meta({
  id: 'RetentionOverrides',
  description: 'The operator\'s choices; a field left out follows the deployment\'s default. Entry events and visitors: 1–90 days (the CNIL: three months at most); e-mails and webhook payloads: 1–365 days; a removed member: 0–60 months',
});

export const Retention = z
  .object({
    settings: Settings.meta({ description: 'What the daily purge applies' }),
    overrides: RetentionOverrides,
    defaults: Settings.meta({ description: 'The deployment\'s (environment) defaults' }),
  })
  .meta({ id: 'Retention' });

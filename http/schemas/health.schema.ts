import { z } from 'zod';

export const HealthzResponse = z.object({ status: z.literal('ok') }).meta({ id: 'Healthz' });

const Check = z.object({
  status: z.enum(['ok', 'failing']),
  detail: z.string().optional(),
  ms: z.number().meta({ description: 'How long the check took' }),
});

export const ReadyzResponse = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({ database: Check, temporal: Check, worker: Check }),
  })
  .meta({ id: 'Readyz', description: 'Each dependency the API needs, checked now' });

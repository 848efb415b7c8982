import { z } from 'zod';

export const ProblemSchema = z
  .object({
    type: z.string().meta({ description: 'Stable URI naming the kind of problem', example: 'https://onboarding.example/problems/not-found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

import type { Readiness } from '../readiness.ts';
import { defineRoute } from '../route.ts';
import { HealthzResponse, ReadyzResponse } from '../../http/schemas/health.schema.ts';

export function healthRoutes(readiness: Readiness) {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/healthz',
        operationId: 'healthz',
        summary: 'The process is up (liveness)',
        tags: ['operations'],
        responses: { 200: { description: 'Alive', schema: HealthzResponse } },
      },
      (_input, ctx) => {
        ctx.body = { status: 'ok' };
      },
    ),
    defineRoute(
      {
        method: 'get',
        path: '/readyz',
        operationId: 'readyz',
        summary: 'The database answers, Temporal answers and a worker polls the task queue',
        tags: ['operations'],
        responses: {
          200: { description: 'Ready', schema: ReadyzResponse },
          503: { description: 'Not ready; the failing checks say why', schema: ReadyzResponse },
        },
      },
      async (_input, ctx) => {
        const result = await readiness.check();
        ctx.status = result.status === 'ready' ? 200 : 503;
        ctx.body = result;
      },
    ),
  ];
}

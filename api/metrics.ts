import type { Context, Next } from 'koa';
import client from 'prom-client';

/** One registry per app instance, so tests can build several apps in one process. */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const requests = new client.Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const workflowStarts = new client.Counter({
    name: 'member_workflow_starts_total',
    help: 'Member lifecycle workflows started by this API process',
    registers: [registry],
  });

  return {
    registry,
    workflowStarts,
    middleware() {
      return async function measure(ctx: Context, next: Next) {
        const end = duration.startTimer();
        try {
          await next();
        } finally {
          // The matched route pattern keeps label cardinality bounded (no ids in labels).
          const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
          end({ method: ctx.method, route: String(route) });
          requests.inc({ method: ctx.method, route: String(route), status: String(ctx.status) });
        }
      };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

// The faults only a cluster has: an API process among several dies (clients go on through the
// balancer to the others), and the Temporal server itself goes down and comes back. Each runs a
// wave of whole lifecycles through the fault, accounted like the other drills.
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { faultedWave, type DrillOutcome } from './lib.ts';

export async function apiKillDrill(stack: ProcessStack, tenant: Tenant, options: { members: number; timeoutMs: number }): Promise<DrillOutcome> {
  if (stack.apis.length < 2 || !stack.balancer) throw new Error('the API drill kills one of several APIs: run it with APIS=2 or more');
  const victim = stack.apis[stack.apis.length - 1]!;
  return faultedWave(stack, tenant, { name: 'api-killed', prefix: 'api', ...options }, async () => {
    const before = [...stack.balancer!.served];
    await victim.kill('SIGKILL');
    return {
      notes: [`API ${stack.apis.length} of ${stack.apis.length} SIGKILLed and left down`],
      afterWave: async () => {
        const during = stack.balancer!.served.map((n, i) => n - before[i]!);
        await victim.start();
        return [`connections during the wave by API: ${during.join(' / ')}`, `API ${stack.apis.length} restarted after the wave`];
      },
    };
  });
}

export async function temporalRestartDrill(stack: ProcessStack, tenant: Tenant, options: { members: number; downMs: number; timeoutMs: number }): Promise<DrillOutcome> {
  const server = stack.temporalServer;
  if (!server) throw new Error('the Temporal restart drill needs the production Temporal server: run it with --cluster');
  return faultedWave(stack, tenant, { name: 'temporal-restarted', prefix: 'tmp', ...options }, async () => {
    const killedAt = performance.now();
    // SIGKILL: a crash, no graceful shard hand-off; what was committed to PostgreSQL must carry on.
    await server.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, options.downMs));
    await server.start();
    return { notes: [`Temporal server SIGKILLed, down ${Math.round((performance.now() - killedAt) / 1000)} s, serving again`] };
  });
}

// The worker dies (SIGKILL: no drain, no goodbye) while a wave of members goes through their whole
// life: every lifecycle must finish, every e-mail arrive once. Alone, it is restarted at once (a
// supervisor's restart); beside other workers, it stays down until the wave is through, so the
// survivors carry everything it held.
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { faultedWave, type DrillOutcome } from './lib.ts';

export async function workerKillDrill(stack: ProcessStack, tenant: Tenant, options: { members: number; timeoutMs: number }): Promise<DrillOutcome> {
  const survivors = stack.workers.length - 1;
  return faultedWave(stack, tenant, { name: 'worker-killed', prefix: 'kill', ...options }, async () => {
    const killedAt = performance.now();
    await stack.worker.kill('SIGKILL');
    if (!survivors) {
      await stack.worker.start();
      return { notes: [`worker restarted ${Math.round(performance.now() - killedAt)} ms after SIGKILL`] };
    }
    return {
      notes: [`worker 1 of ${stack.workers.length} SIGKILLed and left down; ${survivors} carried the wave`],
      afterWave: async () => {
        await stack.worker.start();
        return ['worker 1 restarted after the wave'];
      },
    };
  });
}

// What a lost call to Temporal leaves undone, done again by every worker process every half minute:
// a lifecycle whose start was lost between the database commit and Temporal (the API answered
// 503; a page or SCIM client may never retry), and a password the lifecycle never heard of (the
// member's answer was already given). Without it those members would wait for a worker restart,
// their next sign-in or their invitation's expiry. Both calls are idempotent, so several workers
// sweeping at once do no harm; rows younger than a minute are left to the request still handling them.
import type { EntityManager } from '../db/orm.ts';
import type { LifecycleGateway } from '../domain/members/lifecycle-gateway.ts';

export const SWEEP_EVERY_MS = 30_000;
const SETTLED_MS = 60_000;

export function startLifecycleSweep(options: {
  em: () => EntityManager;
  lifecycles: Pick<LifecycleGateway, 'startWaiting' | 'tellPasswordsSet'>;
  everyMs?: number;
  onSwept?: (result: { started: string[]; told: string[] }) => void;
  onError?: (error: unknown) => void;
}): { stop(): void } {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const started = await options.lifecycles.startWaiting(options.em(), { olderThanMs: SETTLED_MS });
      const told = await options.lifecycles.tellPasswordsSet(options.em(), { olderThanMs: SETTLED_MS });
      if (started.length || told.length) options.onSwept?.({ started, told });
    } catch (error) {
      options.onError?.(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), options.everyMs ?? SWEEP_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

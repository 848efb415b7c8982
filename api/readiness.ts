import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Orm } from '../db/orm.ts';
import { webhookTaskQueue } from '../contract/workflows.ts';

type CheckResult = { status: 'ok' | 'failing'; detail?: string; ms: number };
export interface Readiness {
  check(): Promise<{ status: 'ready' | 'not_ready'; checks: Record<'database' | 'temporal' | 'worker', CheckResult> }>;
}

const CHECK_TIMEOUT_MS = 3000;
// A worker's long poll lasts up to a minute, so a healthy idle worker was last seen up to ~70 s ago.
const POLLER_FRESH_MS = 90_000;

async function timed(fn: () => Promise<string | void>): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'ok', ...(detail ? { detail } : {}), ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: 'failing', detail: error instanceof Error ? error.message : String(error), ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

export function createReadiness(deps: { orm: Orm; client: Client; namespace: string; taskQueue: string }): Readiness {
  const { orm, client, namespace, taskQueue } = deps;
  return {
    async check() {
      const [database, temporalCheck, worker] = await Promise.all([
        timed(async () => {
          // The cheapest statement the database must answer: a probe, not a query of ours.
          await orm.em.fork().execute('select 1');
        }),
        timed(async () => {
          await client.workflowService.describeNamespace({ namespace });
        }),
        timed(async () => {
          // Both queues a worker serves: the lifecycle's and webhook delivery's.
          const counts = await Promise.all([taskQueue, webhookTaskQueue(taskQueue)].map(async (name) => {
            const { pollers } = await client.workflowService.describeTaskQueue({
              namespace,
              taskQueue: { name },
              taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            });
            const fresh = pollers.filter((p) => {
              const seconds = Number(p.lastAccessTime?.seconds ?? 0);
              return Date.now() - seconds * 1000 < POLLER_FRESH_MS;
            });
            if (fresh.length === 0) throw new Error(`no worker polls task queue "${name}"`);
            return `${fresh.length} poller(s) on "${name}"`;
          }));
          return counts.join(', ');
        }),
      ]);
      const checks = { database, temporal: temporalCheck, worker };
      const ready = Object.values(checks).every((c) => c.status === 'ok');
      return { status: ready ? 'ready' : 'not_ready', checks };
    },
  };
}

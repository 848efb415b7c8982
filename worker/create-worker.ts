import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type NativeConnectionOptions, type WorkerInterceptors } from '@temporalio/worker';
import { projectRoot } from '../config/index.ts';
import type { Activities } from '../activities/index.ts';
import { webhookTaskQueue } from '../contract/workflows.ts';

export const workflowsPath = path.join(projectRoot, 'workflows', 'index.ts');

export interface WorkerOptions {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** services/payload-codec.ts: payloads encrypted, failures' messages too. */
  dataConverter: DataConverter;
  /** A pre-built bundle (tests build it once per run); otherwise the worker bundles workflows/ at start. */
  workflowBundlePath?: string;
  interceptors?: WorkerInterceptors;
  maxCachedWorkflows?: number;
}

/** What runs a process's task queues: started, stopped and watched as one worker. */
export type RunnableWorker = Pick<Worker, 'run' | 'shutdown' | 'getState'>;

/**
 * Webhook delivery has a task queue of its own (`<queue>-webhooks`), polled by the same process:
 * its tasks then never wait behind a bulk import's hundreds of lifecycle tasks.
 */
export function bothQueues(main: Worker, webhooks: Worker): RunnableWorker {
  const shutdown = () => {
    for (const w of [webhooks, main]) if (w.getState() === 'RUNNING') w.shutdown();
  };
  return {
    async run() {
      const running = [main.run(), webhooks.run()];
      try {
        await Promise.all(running);
      } catch (error) {
        // One failed: the process stops polling both, as one worker would.
        shutdown();
        await Promise.allSettled(running);
        throw error;
      }
    },
    shutdown,
    getState: () => main.getState(),
  };
}

export async function createWorker(options: WorkerOptions): Promise<{ worker: RunnableWorker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(options.connectionOptions);
  try {
    const common = {
      connection,
      namespace: options.namespace,
      activities: options.activities,
      dataConverter: options.dataConverter,
      interceptors: options.interceptors,
      maxCachedWorkflows: options.maxCachedWorkflows,
      ...(options.workflowBundlePath
        ? { workflowBundle: { codePath: options.workflowBundlePath } }
        : { workflowsPath, bundlerOptions: { ignoreModules: [] } }),
    };
    const main = await Worker.create({ ...common, taskQueue: options.taskQueue });
    const webhooks = await Worker.create({ ...common, taskQueue: webhookTaskQueue(options.taskQueue) });
    return { worker: bothQueues(main, webhooks), connection };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

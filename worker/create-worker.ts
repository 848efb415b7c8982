import path from 'node:path';
import { NativeConnection, Worker, type NativeConnectionOptions, type WorkerInterceptors } from '@temporalio/worker';
import { projectRoot } from '../config/index.ts';
import type { Activities } from '../activities/index.ts';

export const workflowsPath = path.join(projectRoot, 'workflows', 'index.ts');

export interface WorkerOptions {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A pre-built bundle (tests build it once per run); otherwise the worker bundles workflows/ at start. */
  workflowBundlePath?: string;
  interceptors?: WorkerInterceptors;
  maxCachedWorkflows?: number;
}

export async function createWorker(options: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(options.connectionOptions);
  try {
    const worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      activities: options.activities,
      interceptors: options.interceptors,
      maxCachedWorkflows: options.maxCachedWorkflows,
      ...(options.workflowBundlePath
        ? { workflowBundle: { codePath: options.workflowBundlePath } }
        : { workflowsPath, bundlerOptions: { ignoreModules: [] } }),
    });
    return { worker, connection };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

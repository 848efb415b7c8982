import { randomUUID } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import type { Orm } from '../../db/orm.ts';
import { createWorker } from '../../worker/create-worker.ts';
import { testEnv } from './env.ts';

// Worker state changes at INFO would drown the TAP output.
Runtime.install({ logger: new DefaultLogger('WARN') });

export const uniqueTaskQueue = () => `test-${randomUUID()}`;

export async function temporalClient(t: ExecutionContext): Promise<Client> {
  const connection = await Connection.connect({ address: testEnv.temporalAddress });
  t.teardown(() => connection.close());
  return new Client({ connection, namespace: 'default' });
}

/** A real worker on the shared server, with the run's prebuilt workflow bundle; stopped after the test. */
export async function startWorker(t: ExecutionContext, options: { orm: Orm; taskQueue: string }): Promise<Worker> {
  const { worker, connection } = await createWorker({
    connectionOptions: { address: testEnv.temporalAddress },
    namespace: 'default',
    taskQueue: options.taskQueue,
    activities: createActivities({ orm: options.orm, clock: () => new Date() }),
    workflowBundlePath: testEnv.workflowBundle,
  });
  const running = worker.run();
  t.teardown(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
  });
  return worker;
}

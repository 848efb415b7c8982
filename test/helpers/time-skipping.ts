// One time-skipping test server per test file, with a real worker, PostgreSQL and SMTP behind it:
// the tests move the clock; their files run their tests one after another (the clock is shared).
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { registerSearchAttributes } from '../../services/search-attributes.ts';
import { migratedOrm } from './database.ts';
import { testEnv } from './env.ts';
import { createFixture, defaultDurations, type Fixture } from './lifecycle.ts';
import type { Scope } from './scope.ts';
import { startWorkerOn, TEST_DATA_CONVERTER, uniqueTaskQueue } from './temporal.ts';

export interface TimeSkippingWorld {
  env: TestWorkflowEnvironment;
  fixture: Fixture;
  /** Waits in real time: the time-skipping client skips to any workflow's next timer while it waits. */
  plain: Client;
}

export async function timeSkippingWorld(scope: Scope): Promise<TimeSkippingWorld> {
  const server = testEnv.timeSkippingServer;
  const env = await TestWorkflowEnvironment.createTimeSkipping({ client: { dataConverter: TEST_DATA_CONVERTER }, ...(server ? { server: { executable: { type: 'existing-path', path: server } } } : {}) });
  scope.teardown(() => env.teardown());
  await registerSearchAttributes(env.connection, env.namespace ?? 'default', { assumeMissing: true });
  const { orm, url } = await migratedOrm(scope);
  const taskQueue = uniqueTaskQueue();
  await startWorkerOn(scope, { connection: env.nativeConnection, namespace: env.namespace ?? 'default', orm, taskQueue });
  const plain = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter: TEST_DATA_CONVERTER });
  return { env, plain, fixture: await createFixture(scope, { orm, url, client: env.client, taskQueue, durations: defaultDurations }) };
}

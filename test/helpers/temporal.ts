import { randomUUID } from 'node:crypto';
import type { Scope } from './scope.ts';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerInterceptors } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import type { Orm } from '../../db/orm.ts';
import { loadEmailRenderer, type EmailRenderer } from '../../mail/render.ts';
import { activityDeps } from '../../worker/activity-deps.ts';
import { bothQueues, createWorker, type RunnableWorker } from '../../worker/create-worker.ts';
import { webhookTaskQueue } from '../../contract/workflows.ts';
import { testEnv } from './env.ts';
import { loadConfig } from '../../config/index.ts';
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, codecKeys, temporalDataConverter } from '../../services/payload-codec.ts';

const testConfig = loadConfig({ NODE_ENV: 'test' });

// Worker state changes at INFO would drown the TAP output.
Runtime.install({ logger: new DefaultLogger('WARN') });

export const uniqueTaskQueue = () => `test-${randomUUID()}`;
export const TEST_SECRET_KEY = 'test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz';
export const TEST_PUBLIC_URL = 'http://onboarding.test';
/** Payloads encrypted as in production, with the key derived from the tests' secret key. */
export const TEST_DATA_CONVERTER = temporalDataConverter(codecKeys(TEST_SECRET_KEY));

/** A payload of a fetched history, decrypted and parsed (histories hold what the codec encrypted). */
export async function decodedJson<T>(payload: Payload): Promise<T> {
  const [plain] = await new AesGcmPayloadCodec(codecKeys(TEST_SECRET_KEY)).decode([payload]);
  return JSON.parse(Buffer.from(plain!.data!).toString('utf8')) as T;
}

/** What a test may change about the worker's e-mail: another SMTP server, a shorter retry window. */
export interface TestMailOptions {
  smtpUrl?: string;
  retryForMs?: number;
}

// One compiled set of templates per test process: compiling is what start-up costs, not tests.
let renderer: Promise<EmailRenderer> | undefined;

/** The activities as a worker builds them, on the run's real SMTP catcher; the mailer closed after the test. */
export async function testActivities(t: Scope, orm: Orm, taskQueue = 'test-activities', mail: TestMailOptions = {}) {
  const deps = await activityDeps({
    orm,
    smtpUrl: mail.smtpUrl ?? testEnv.smtpUrl,
    mailFrom: 'Onboarding <onboarding@onboarding.test>',
    mailRetryForMs: mail.retryForMs ?? testConfig.mail.retryForMs,
    renderer: await (renderer ??= loadEmailRenderer()),
    secretKey: TEST_SECRET_KEY,
    publicUrl: TEST_PUBLIC_URL,
    temporal: { connectionOptions: { address: testEnv.temporalAddress }, namespace: 'default', taskQueue, dataConverter: TEST_DATA_CONVERTER },
    lifecycleDefaults: testConfig.lifecycle,
    webhookAllowPrivate: testConfig.webhooks.allowPrivate,
  });
  t.teardown(() => deps.close());
  return { deps, activities: createActivities(deps) };
}

export async function temporalClient(t: Scope, namespace = 'default'): Promise<Client> {
  // Generous: on a loaded 2-core machine (a browser running beside) the first connection can be slow.
  const connection = await Connection.connect({ address: testEnv.temporalAddress, connectTimeout: '30s' });
  t.teardown(() => connection.close());
  return new Client({ connection, namespace, dataConverter: TEST_DATA_CONVERTER });
}

export interface RunningWorker {
  worker: RunnableWorker;
  /** Drains and stops it (what a deploy or a crash-restart does); safe to call twice. */
  stop(): Promise<void>;
}

function supervise(t: Scope, worker: RunnableWorker, after: () => Promise<void>): RunningWorker {
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await after();
    })();
    return stopped;
  };
  t.teardown(stop);
  return { worker, stop };
}

/** A real worker on the shared server, with the run's prebuilt workflow bundle; stopped after the test. */
export async function startWorker(
  t: Scope,
  options: { orm: Orm; taskQueue: string; mail?: TestMailOptions; interceptors?: WorkerInterceptors },
): Promise<RunningWorker> {
  const { worker, connection } = await createWorker({
    connectionOptions: { address: testEnv.temporalAddress },
    namespace: 'default',
    taskQueue: options.taskQueue,
    activities: (await testActivities(t, options.orm, options.taskQueue, options.mail)).activities,
    dataConverter: TEST_DATA_CONVERTER,
    workflowBundlePath: testEnv.workflowBundle,
    interceptors: options.interceptors,
  });
  return supervise(t, worker, () => connection.close());
}

/** A worker on a connection the test owns (e.g. the time-skipping environment's). */
export async function startWorkerOn(
  t: Scope,
  options: { connection: NativeConnection; namespace: string; orm: Orm; taskQueue: string },
): Promise<RunningWorker> {
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    activities: (await testActivities(t, options.orm, options.taskQueue)).activities,
    dataConverter: TEST_DATA_CONVERTER,
    workflowBundle: { codePath: testEnv.workflowBundle },
  };
  const main = await Worker.create({ ...common, taskQueue: options.taskQueue });
  const webhooks = await Worker.create({ ...common, taskQueue: webhookTaskQueue(options.taskQueue) });
  return supervise(t, bothQueues(main, webhooks), async () => {});
}

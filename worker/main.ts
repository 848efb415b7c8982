// A worker as its own process (docker-compose, horizontal scaling): polls the member-lifecycle task
// queue until SIGTERM/SIGINT, then drains and exits.
import { Runtime } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { activityDeps } from './activity-deps.ts';
import { createLogger } from '../lib/logger.ts';
import { openOrm } from '../db/orm.ts';
import { CommandError, loadConfigOrExit, runMain } from '../lib/cli.ts';
import { temporalTarget } from '../services/temporal-connection.ts';
import { dataConverterFor } from '../services/payload-codec.ts';
import { temporalLogger } from '../services/temporal-logger.ts';
import { startLifecycleSweep } from './lifecycle-sweep.ts';
import { ensureRetentionSchedule } from '../services/retention-schedule.ts';
import { createWorker } from './create-worker.ts';
import { listenForWebhookEvents } from './webhook-listener.ts';

const usage = 'usage: npm run worker\nA worker on its own (needs DATABASE_URL, SMTP_URL, SECRET_KEY and TEMPORAL_ADDRESS or envconfig); SIGTERM drains it.';

runMain(async () => {
  const config = loadConfigOrExit();
  if (!config.database.url) throw new CommandError('DATABASE_URL is required to run a worker on its own (npm start runs the embedded stack)');
  if (!config.mail.smtpUrl) throw new CommandError('SMTP_URL is required to run a worker on its own (npm start runs a mail catcher)');
  // Every worker and API process must share one key: a generated one would differ per process.
  if (!config.secretKey) throw new CommandError('SECRET_KEY is required to run a worker on its own (e.g. `openssl rand -base64 48`)');
  const logger = createLogger(config.logLevel, 'worker');
  // The SDK's default signal handling shuts the worker down on SIGINT/SIGTERM; run() then resolves.
  Runtime.install({ logger: temporalLogger(logger) });
  const orm = await openOrm(config.database.url, { poolMax: config.database.poolMax });
  const target = temporalTarget(config);
  const dataConverter = dataConverterFor(config, config.secretKey);
  const deps = await activityDeps({
    orm,
    smtpUrl: config.mail.smtpUrl,
    mailFrom: config.mail.from,
    mailRetryForMs: config.mail.retryForMs,
    secretKey: config.secretKey,
    publicUrl: config.http.publicUrl,
    temporal: { connectionOptions: target.connectionOptions as never, namespace: target.namespace, taskQueue: config.temporal.taskQueue, dataConverter },
    lifecycleDefaults: config.lifecycle,
    webhookAllowPrivate: config.webhooks.allowPrivate,
  });
  const { worker, connection } = await createWorker({
    connectionOptions: target.connectionOptions,
    namespace: target.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities(deps),
    dataConverter,
    workflowBundlePath: config.temporal.workflowBundle,
    maxCachedWorkflows: config.temporal.maxCachedWorkflows,
  });
  logger.info({ taskQueue: config.temporal.taskQueue, namespace: target.namespace }, 'worker polling');
  const running = worker.run();
  // Started by a supervisor over an IPC channel (npm run cluster, the benchmarks, the drills): when
  // it goes away, even killed hard, drain and stop instead of serving on unsupervised.
  if (process.connected) {
    process.once('disconnect', () => worker.shutdown());
    process.channel?.unref();
  }
  // Committed webhook events wake the relay at once (its sweep catches what a lost one misses).
  const listener = await listenForWebhookEvents({
    databaseUrl: config.database.url,
    gateway: deps.webhooks.gateway,
    onError: (error) => logger.warn({ err: error }, 'webhook relay wake-up failed; its sweep will deliver'),
  });
  let sweep: { stop(): void } | undefined;
  try {
    await ensureRetentionSchedule(deps.client, { taskQueue: config.temporal.taskQueue, ...config.retention });
    const started = await deps.lifecycles.startWaiting(orm.em.fork());
    if (started.length) logger.info({ members: started.length }, 'started lifecycles waiting for one');
    sweep = startLifecycleSweep({
      em: () => orm.em.fork(),
      lifecycles: deps.lifecycles,
      onSwept: ({ started, told }) => logger.info({ started: started.length, told: told.length }, 'lifecycle sweep: started lifecycles and told passwords a lost call had left'),
      onError: (error) => logger.warn({ err: error }, 'lifecycle sweep failed; the next one retries'),
    });
    await running;
  } finally {
    sweep?.stop();
    await listener.close();
    await deps.close();
    await connection.close();
    await orm.close();
  }
}, usage);

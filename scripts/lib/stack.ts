// Starts the whole system in one process tree: PostgreSQL, Temporal, the mail catcher, the
// worker and the API — each one replaced by a real service when its variable says so.
import fs from 'node:fs';
import path from 'node:path';
import { startLifecycleSweep } from '../../worker/lifecycle-sweep.ts';
import { ensureRetentionSchedule } from '../../services/retention-schedule.ts';
import { Client, Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { startApiServer } from '../../server/start.ts';
import type { Config } from '../../config/index.ts';
import { migrate, openOrm } from '../../db/orm.ts';
import { probeDatabase } from '../../db/probe.ts';
import { EmbeddedPostgresUnreachable, startEmbeddedPostgres } from '../../services/embedded-postgres.ts';
import { startMailCatcher } from '../../services/mail-catcher.ts';
import { temporalTarget } from '../../services/temporal-connection.ts';
import { dataConverterFor } from '../../services/payload-codec.ts';
import { temporalLogger } from '../../services/temporal-logger.ts';
import { resolveSecretKey } from '../../services/secret-key.ts';
import { startTemporalServer } from '../../services/temporal-server.ts';
import { radiusDir, radiusWillStart, startRadius } from './radius.ts';
import { checkPorts } from './port-check.ts';
import { listenForWebhookEvents } from '../../worker/webhook-listener.ts';
import { activityDeps } from '../../worker/activity-deps.ts';
import { createWorker, type RunnableWorker } from '../../worker/create-worker.ts';
import { CommandError } from '../../lib/cli.ts';

export interface Stack {
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  temporalSource: string;
  database: string;
  /** The embedded database's URL (none for DATABASE_URL: its password is not for files). */
  databaseUrl?: string;
  mailCatcherUrl?: string;
  smtpUrl?: string;
  /** FreeRADIUS's addresses, or why it is not running. */
  radius: string;
  stop(): Promise<void>;
}

/** Fails with a CommandError naming DATABASE_URL when the server cannot be reached. */
async function checkDatabase(url: string): Promise<void> {
  const error = await probeDatabase(url);
  if (error) {
    const safe = new URL(url);
    safe.password = safe.password ? '***' : '';
    throw new CommandError(`DATABASE_URL: cannot connect to ${safe.href}: ${error.message}`);
  }
}

export async function startStack(config: Config, logger: Logger, onProgress: (m: string) => void = () => {}): Promise<Stack> {
  const cleanup: { name: string; run: () => Promise<void> }[] = [];
  const onStop = (name: string, run: () => Promise<void>) => cleanup.push({ name, run });
  const stop = async () => {
    while (cleanup.length) {
      const step = cleanup.pop()!;
      logger.debug({ step: step.name }, 'stopping');
      await step.run().catch((error: unknown) => logger.error({ err: error, step: step.name }, 'error while stopping'));
    }
  };

  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    // We own SIGINT/SIGTERM and stop everything in order; the SDK's handler would otherwise shut
    // the worker down on its own, racing that order.
    Runtime.install({ logger: temporalLogger(logger), shutdownSignals: [] });
    const temporalDbFile = path.join(config.dataDir, 'temporal', 'temporal.sqlite');
    await checkPorts(config, { temporalDbFile: config.temporal.external ? undefined : temporalDbFile, radiusDir: radiusWillStart(config) ? radiusDir(config) : undefined }, onProgress);

    let databaseUrl = config.database.url;
    let embeddedUrl: string | undefined;
    let database = 'DATABASE_URL';
    if (!databaseUrl) {
      onProgress('Starting PostgreSQL (embedded) …');
      const db = await startEmbeddedPostgres({
        dataDir: path.join(config.dataDir, 'postgres'),
        port: config.database.embeddedPort,
        onProgress,
      }).catch((error: Error) => {
        if (error instanceof EmbeddedPostgresUnreachable) throw new CommandError(error.message);
        throw new CommandError(`embedded PostgreSQL did not start on port ${config.database.embeddedPort} (${error.message}); set EMBEDDED_POSTGRES_PORT or DATABASE_URL`);
      });
      onStop('postgres', () => db.stop());
      databaseUrl = db.url;
      embeddedUrl = db.url;
      database = `embedded, ${path.relative(process.cwd(), path.join(config.dataDir, 'postgres')) || '.'} (port ${db.port})`;
    } else {
      await checkDatabase(databaseUrl);
    }

    const orm = await openOrm(databaseUrl, { poolMax: config.database.poolMax });
    onStop('orm', () => orm.close());
    const applied = await migrate(orm, { operatorName: config.operatorName });
    onProgress(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database schema is up to date');
    const radius = await startRadius(config, databaseUrl, onProgress);
    if (radius.server) onStop('freeradius', () => radius.server!.stop());

    let startedAddress: string | undefined;
    let temporalUiUrl: string | undefined;
    let temporalSource = 'TEMPORAL_ADDRESS';
    if (!config.temporal.external) {
      onProgress('Starting the Temporal dev server …');
      const server = await startTemporalServer({
        cliPath: config.temporal.cliPath,
        port: config.temporal.port,
        uiPort: config.temporal.uiPort,
        headless: config.temporal.headless,
        uiCodecEndpoint: `${config.http.publicUrl}/codec`,
        dbFile: temporalDbFile,
        logFile: path.join(config.dataDir, 'temporal', 'server.log'),
        namespace: config.temporal.namespace,
        onProgress,
      }).catch((error: Error) => {
        throw new CommandError(error.message);
      });
      onStop('temporal server', () => server.stop());
      startedAddress = server.address;
      temporalUiUrl = server.uiUrl;
      temporalSource = server.source;
    }
    const target = temporalTarget(config, startedAddress);

    let smtpUrl = config.mail.smtpUrl;
    let mailCatcher;
    if (config.mail.catcher) {
      mailCatcher = await startMailCatcher({ dir: path.join(config.dataDir, 'mail'), port: config.mail.catcherPort }).catch((error: Error) => {
        throw new CommandError(`mail catcher could not listen on port ${config.mail.catcherPort} (${error.message}); set SMTP_CATCHER_PORT or SMTP_URL`);
      });
      onStop('mail catcher', () => mailCatcher!.stop());
      smtpUrl = mailCatcher.smtpUrl;
    }

    onProgress('Starting the worker …');
    const secretKey = resolveSecretKey(config);
    const dataConverter = dataConverterFor(config, secretKey);
    const deps = await activityDeps({
      orm,
      smtpUrl: smtpUrl!,
      mailFrom: config.mail.from,
      mailRetryForMs: config.mail.retryForMs,
      secretKey,
      publicUrl: config.http.publicUrl,
      temporal: { connectionOptions: target.connectionOptions as never, namespace: target.namespace, taskQueue: config.temporal.taskQueue, dataConverter },
      lifecycleDefaults: config.lifecycle,
      webhookAllowPrivate: config.webhooks.allowPrivate,
    });
    onStop('activity dependencies', () => deps.close());
    const activities = createActivities(deps);
    const { worker, connection: workerConnection } = await createWorker({
      connectionOptions: target.connectionOptions,
      namespace: target.namespace,
      taskQueue: config.temporal.taskQueue,
      activities,
      dataConverter,
      workflowBundlePath: config.temporal.workflowBundle,
      maxCachedWorkflows: config.temporal.maxCachedWorkflows,
    });
    onStop('worker connection', () => workerConnection.close());
    const running = runWorker(worker, logger);
    onStop('worker', async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    // Committed webhook events wake the relay at once (its sweep catches what a lost one misses).
    const webhookListener = await listenForWebhookEvents({
      databaseUrl,
      gateway: deps.webhooks.gateway,
      onError: (error) => logger.warn({ err: error }, 'webhook relay wake-up failed; its sweep will deliver'),
    });
    onStop('webhook listener', () => webhookListener.close());

    const clientConnection = await Connection.connect(target.connectionOptions as never);
    onStop('client connection', () => clientConnection.close());
    const client = new Client({ connection: clientConnection, namespace: target.namespace, dataConverter });
    // One process, one gateway: the worker's activities and the API share it.
    const lifecycles = deps.lifecycles;
    const started = await lifecycles.startWaiting(orm.em.fork());
    if (started.length) onProgress(`Started the lifecycle of ${started.length} member(s) waiting for one`);
    // The daily purge of data past its retention (a Temporal Schedule, made once).
    await ensureRetentionSchedule(client, { taskQueue: config.temporal.taskQueue, ...config.retention });
    const sweep = startLifecycleSweep({ em: () => orm.em.fork(), lifecycles, onError: (error: unknown) => logger.warn({ err: error }, 'lifecycle sweep failed; the next one retries') });
    onStop('lifecycle sweep', async () => sweep.stop());

    const api = await startApiServer({ config, logger, orm, client, lifecycles, secretKey, mailCatcher }).catch((error: Error) => {
      throw new CommandError(`the API ${error.message}; set PORT`);
    });
    onStop('api', () => api.close());

    return {
      apiUrl: config.http.publicUrl,
      temporalAddress: String(target.connectionOptions.address),
      temporalUiUrl,
      temporalSource,
      database,
      databaseUrl: embeddedUrl,
      mailCatcherUrl: mailCatcher ? `${config.http.publicUrl}/dev/mail` : undefined,
      smtpUrl,
      radius: radius.summary,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function runWorker(worker: RunnableWorker, logger: Logger): Promise<void> {
  return worker.run().catch((error: unknown) => {
    logger.fatal({ err: error }, 'worker stopped with an error');
    process.kill(process.pid, 'SIGTERM');
  });
}

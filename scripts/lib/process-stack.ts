// The system as it runs in production, for the benchmarks and fault drills: the worker and the API
// each in their own process (so one can be killed, and its memory read), on PostgreSQL, Temporal
// and an SMTP sink that this module starts unless it is given their addresses.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { projectRoot } from '../../config/index.ts';
import { migrate, openOrm, type Orm } from '../../db/orm.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../services/embedded-postgres.ts';
import { findTemporalCli, startTemporalServer } from '../../services/temporal-server.ts';
import { workflowsPath } from '../../worker/create-worker.ts';
import { freePort } from './ports.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { waitFor } from './wait.ts';

export const STACK_SECRET_KEY = 'bench-and-drills-secret-key-0123456789-abcdefghijklmnop';

export interface ChildService {
  readonly pid: number | undefined;
  /** Started and ready (the worker polls; the API answers /healthz). */
  start(): Promise<void>;
  /** SIGTERM and wait (a deploy); `kill('SIGKILL')` is a crash. */
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Resident memory in bytes, from /proc. */
  rss(): number;
}

export interface ProcessStack {
  apiUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  smtp: SmtpSink;
  orm: Orm;
  client: Client;
  worker: ChildService;
  api: ChildService;
  /** Present when this stack started PostgreSQL itself (the database drill restarts it). */
  database?: { stop(): Promise<void>; start(): Promise<void> };
  stop(): Promise<void>;
}

export interface ProcessStackOptions {
  workDir: string;
  /** An existing database (DATABASE_URL) instead of an embedded one. */
  databaseUrl?: string;
  /** An existing Temporal server (TEMPORAL_ADDRESS) instead of a dev server. */
  temporalAddress?: string;
  taskQueue?: string;
  /** A prebuilt workflow bundle; one is built into workDir otherwise. */
  workflowBundle?: string;
  /** More environment for the worker and API (pool sizes, SMTP_RETRY_FOR, …). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

function childService(name: string, script: string, env: NodeJS.ProcessEnv, ready: (child: ChildProcess, lines: string[]) => Promise<void>, logFile: string): ChildService {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  const service: ChildService = {
    get pid() {
      return child?.pid;
    },
    async start() {
      const started = spawn(process.execPath, [path.join(projectRoot, script)], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      const lines: string[] = [];
      for (const stream of [started.stdout!, started.stderr!]) {
        readline.createInterface({ input: stream }).on('line', (line) => {
          log.write(`${line}\n`);
          lines.push(line);
          if (lines.length > 200) lines.shift();
        });
      }
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      await Promise.race([
        ready(started, lines),
        exited.then(() => {
          throw new Error(`${name} exited during start-up: ${lines.slice(-5).join(' | ')}`);
        }),
      ]);
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
    async kill(signal) {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
    rss() {
      if (!child?.pid) return 0;
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
  };
  return service;
}

export async function startProcessStack(options: ProcessStackOptions): Promise<ProcessStack> {
  const log = options.log ?? (() => {});
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    while (stops.length) await stops.pop()!().catch((error: unknown) => log(`stopping: ${String(error)}`));
  };
  fs.mkdirSync(options.workDir, { recursive: true });
  // As root, embedded PostgreSQL runs as the `postgres` user, which must reach its data dir.
  fs.chmodSync(options.workDir, 0o755);
  try {
    const taskQueue = options.taskQueue ?? 'member-lifecycle';
    let database: ProcessStack['database'];
    let databaseUrl = options.databaseUrl;
    const [temporalAddress, bundlePath] = await Promise.all([
      (async () => {
        if (options.temporalAddress) return options.temporalAddress;
        const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH || undefined, log);
        const server = await startTemporalServer({
          cliPath: cli?.path,
          port: await freePort(),
          headless: true,
          namespace: 'default',
          logFile: path.join(options.workDir, 'temporal.log'),
          onProgress: log,
        });
        stops.push(() => server.stop());
        return server.address;
      })(),
      (async () => {
        if (options.workflowBundle) return options.workflowBundle;
        const bundle = await bundleWorkflowCode({ workflowsPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } });
        const file = path.join(options.workDir, 'workflow-bundle.js');
        fs.writeFileSync(file, bundle.code);
        return file;
      })(),
      (async () => {
        if (databaseUrl) return;
        const port = await freePort();
        const dataDir = path.join(options.workDir, 'postgres');
        let db: EmbeddedDatabase | undefined = await startEmbeddedPostgres({ dataDir, port });
        databaseUrl = db.url;
        database = {
          async stop() {
            await db?.stop();
            db = undefined;
          },
          async start() {
            db ??= await startEmbeddedPostgres({ dataDir, port });
          },
        };
        stops.push(() => database!.stop());
      })(),
    ]);

    const orm = await openOrm(databaseUrl!, { poolMax: 10 });
    stops.push(() => orm.close());
    await migrate(orm);
    const connection = await Connection.connect({ address: temporalAddress, connectTimeout: '30s' });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    const smtp = await startSmtpSink();
    stops.push(() => smtp.down());

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE: bundlePath,
      SMTP_URL: smtp.url,
      SECRET_KEY: STACK_SECRET_KEY,
      // The drills' and benchmark's webhook receiver listens on loopback, like everything here.
      WEBHOOK_ALLOW_PRIVATE: '1',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      PUBLIC_URL: apiUrl,
      ...options.env,
    };
    // The worker says it polls with its first log line at info; the rest of its log stays at warn.
    const worker = childService(
      'the worker',
      'worker/main.ts',
      { ...env, LOG_LEVEL: 'info' },
      (_child, lines) => waitFor('the worker to poll', () => lines.some((l) => l.includes('worker polling')), { timeoutMs: 60_000, intervalMs: 50 }).then(() => undefined),
      path.join(options.workDir, 'worker.log'),
    );
    const api = childService(
      'the API',
      'api/main.ts',
      env,
      () => waitFor('the API to answer', async () => (await fetch(`${apiUrl}/healthz`)).ok, { timeoutMs: 60_000, intervalMs: 50 }).then(() => undefined),
      path.join(options.workDir, 'api.log'),
    );
    stops.push(() => worker.stop());
    stops.push(() => api.stop());
    await Promise.all([worker.start(), api.start()]);

    return { apiUrl, databaseUrl: databaseUrl!, temporalAddress, taskQueue, smtp, orm, client, worker, api, database, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

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
import { startTemporalCluster, setupTemporalSchema, temporalDatabaseFrom, type TemporalCluster, type TemporalClusterPorts, type TemporalServerTools } from '../../services/temporal-cluster.ts';
import { startBalancer, type Balancer } from './balancer.ts';
import { workflowsPath } from '../../worker/create-worker.ts';
import { codecKeys, failureConverterPath, temporalDataConverter } from '../../services/payload-codec.ts';
import { freePort, freePortIn, portFree } from './ports.ts';
import { processCpuSeconds, processRss } from '../../services/process-stats.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { waitFor } from './wait.ts';

export const STACK_SECRET_KEY = 'bench-and-drills-secret-key-0123456789-abcdefghijklmnop';

export interface ChildService {
  readonly pid: number | undefined;
  /** Started and ready (the worker polls; the API answers /healthz); `env` changes its environment from now on. */
  start(env?: Record<string, string>): Promise<void>;
  /** SIGTERM and wait (a deploy); `kill('SIGKILL')` is a crash. */
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Resident memory in bytes, from /proc. */
  rss(): number;
  /** CPU seconds (user + system) the current process has used, from /proc. */
  cpuSeconds(): number;
}

export interface ProcessStack {
  apiUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  smtp: SmtpSink;
  orm: Orm;
  client: Client;
  /** The first of `workers` and of `apis`. */
  worker: ChildService;
  api: ChildService;
  workers: ChildService[];
  apis: ChildService[];
  /** In front of the APIs when there are several: `apiUrl` is its address. */
  balancer?: Balancer;
  /** Present when this stack started PostgreSQL itself (the database drill restarts it). */
  database?: { stop(): Promise<void>; start(): Promise<void> };
  /** Present when this stack runs the production Temporal server (the cluster drills restart it). */
  temporalServer?: TemporalCluster;
  /** 'dev server' or 'cluster', for reports. */
  temporalKind: 'dev server' | 'cluster';
  stop(): Promise<void>;
}

export interface ProcessStackOptions {
  workDir: string;
  /** An existing database (DATABASE_URL) instead of an embedded one. */
  databaseUrl?: string;
  /** An existing Temporal server (TEMPORAL_ADDRESS) instead of a dev server. */
  temporalAddress?: string;
  /**
   * The production Temporal server (these binaries) on this stack's PostgreSQL, in databases of its
   * own, instead of the CLI's dev server; see services/temporal-cluster.ts.
   */
  temporalCluster?: TemporalServerTools;
  /** Worker and API processes (1 each unless given); several APIs get a balancer in front. */
  workers?: number;
  apis?: number;
  taskQueue?: string;
  /** A prebuilt workflow bundle; one is built into workDir otherwise. */
  workflowBundle?: string;
  /** What the workers bundle when no bundle is given: the product's workflows (the bench adds its floors). */
  workflowsPath?: string;
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
    async start(more = {}) {
      Object.assign(env, more);
      // The IPC channel is how the child knows this process is gone (worker/main.ts, server/main.ts).
      const started = spawn(process.execPath, [path.join(projectRoot, script)], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
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
    rss: () => processRss(child?.pid),
    cpuSeconds: () => processCpuSeconds(child?.pid),
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
    let temporalServer: TemporalCluster | undefined;
    let databaseStarted: Promise<void> | undefined;
    // Once, whichever of Temporal (its databases are here) and the stack asks first.
    const startDatabase = () => (databaseStarted ??= startEmbeddedDatabase());
    const startEmbeddedDatabase = async () => {
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
    };
    const startTemporal = async () => {
      if (options.temporalAddress) return options.temporalAddress;
      if (options.temporalCluster) {
        // Temporal's own databases live in the stack's PostgreSQL, as in docker-compose.
        await startDatabase();
        const db = temporalDatabaseFrom(databaseUrl!);
        await setupTemporalSchema(options.temporalCluster, db, log);
        temporalServer = await startTemporalCluster({
          tools: options.temporalCluster,
          database: db,
          ports: await clusterPorts(options.workDir),
          namespace: 'default',
          workDir: options.workDir,
          logFile: path.join(options.workDir, 'temporal.log'),
          log,
        });
        stops.push(() => temporalServer!.stop());
        return temporalServer.address;
      }
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
    };
    const [temporalAddress, bundlePath] = await Promise.all([
      startTemporal(),
      (async () => {
        if (options.workflowBundle) return options.workflowBundle;
        const bundle = await bundleWorkflowCode({ workflowsPath: options.workflowsPath ?? workflowsPath, failureConverterPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } });
        const file = path.join(options.workDir, 'workflow-bundle.js');
        fs.writeFileSync(file, bundle.code);
        return file;
      })(),
      startDatabase(),
    ]);

    const orm = await openOrm(databaseUrl!, { poolMax: 10 });
    stops.push(() => orm.close());
    await migrate(orm);
    const connection = await Connection.connect({ address: temporalAddress, connectTimeout: '30s' });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default', dataConverter: temporalDataConverter(codecKeys(STACK_SECRET_KEY)) });

    const smtp = await startSmtpSink();
    stops.push(() => smtp.down());

    const apiPorts = await Promise.all(Array.from({ length: options.apis ?? 1 }, () => freePort()));
    const balancer = apiPorts.length > 1 ? await startBalancer(apiPorts) : undefined;
    if (balancer) stops.push(() => balancer.close());
    const apiUrl = balancer?.url ?? `http://127.0.0.1:${apiPorts[0]}`;
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
      PUBLIC_URL: apiUrl,
      ...options.env,
    };
    // The worker says it polls with its first log line at info; the rest of its log stays at warn.
    const workers = Array.from({ length: options.workers ?? 1 }, (_, i) =>
      childService(
        `worker ${i + 1}`,
        'worker/main.ts',
        { ...env, LOG_LEVEL: 'info' },
        (_child, lines) => waitFor('the worker to poll', () => lines.some((l) => l.includes('worker polling')), { timeoutMs: 60_000, intervalMs: 50 }).then(() => undefined),
        path.join(options.workDir, i ? `worker-${i + 1}.log` : 'worker.log'),
      ),
    );
    const apis = apiPorts.map((port, i) =>
      childService(
        `API ${i + 1}`,
        'server/main.ts',
        { ...env, PORT: String(port) },
        () => waitFor('the API to answer', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, { timeoutMs: 60_000, intervalMs: 50 }).then(() => undefined),
        path.join(options.workDir, i ? `api-${i + 1}.log` : 'api.log'),
      ),
    );
    for (const service of [...workers, ...apis]) stops.push(() => service.stop());
    await Promise.all([...workers, ...apis].map((service) => service.start()));

    return {
      apiUrl,
      databaseUrl: databaseUrl!,
      temporalAddress,
      taskQueue,
      smtp,
      orm,
      client,
      worker: workers[0]!,
      api: apis[0]!,
      workers,
      apis,
      balancer,
      database,
      temporalServer,
      temporalKind: options.temporalCluster ? 'cluster' : 'dev server',
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Nine distinct free ports: the frontend's gRPC, HTTP and membership, and each other service's two.
 * Below 32768: the server writes its membership ports to a smallint column (PostgreSQL refuses
 * 38481 with "out of range for type smallint" and the server exits). Kept in the work folder and
 * taken again next time when still free: a server started on data whose membership table names
 * other ports waits for those hosts before it serves (and the address stays the same).
 */
async function clusterPorts(workDir: string): Promise<TemporalClusterPorts> {
  const file = path.join(workDir, 'temporal-ports.json');
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as TemporalClusterPorts;
    const values = Object.values(saved);
    if (values.length === 9 && (await Promise.all(values.map((port) => portFree(port)))).every(Boolean)) return saved;
  } catch {
    // none saved yet
  }
  const ports = new Set<number>();
  while (ports.size < 9) ports.add(await freePortIn(20_000, 32_768, ports));
  const [frontend, frontendHttp, frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership] = [...ports] as [number, number, number, number, number, number, number, number, number];
  const chosen = { frontend, frontendHttp, frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership };
  fs.writeFileSync(file, `${JSON.stringify(chosen)}\n`);
  return chosen;
}

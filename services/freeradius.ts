// FreeRADIUS, the RADIUS server access points ask about members, run as a child process (npm
// start, the tests, the benchmarks) on a configuration generated under DATA_DIR/radius: the
// distribution's own tree with this project's files from radius/raddb laid over it — the same
// files docker-compose mounts into the FreeRADIUS image. Addresses, ports and the database come
// in through the environment ($ENV{…} in those files).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/index.ts';
import { stopLeftover } from './stale-process.ts';
import { stopWithThisProcess } from './child-guard.ts';

export const overlayDir = path.join(projectRoot, 'radius', 'raddb');
const STOCK_TREES = ['/etc/freeradius/3.0', '/etc/raddb', '/usr/local/etc/raddb'];

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** FREERADIUS_PATH, then `freeradius` / `radiusd` on PATH (and sbin, which a user's PATH may lack). */
export function findFreeradius(explicit?: string): { path: string; source: string } | undefined {
  if (explicit) {
    if (!executable(explicit)) throw new Error(`FREERADIUS_PATH: no executable at ${explicit}`);
    return { path: explicit, source: 'FREERADIUS_PATH' };
  }
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    for (const name of ['freeradius', 'radiusd']) {
      const candidate = path.join(dir, name);
      if (dir && executable(candidate)) return { path: candidate, source: candidate };
    }
  }
  return undefined;
}

export interface FreeradiusOptions {
  binary: string;
  /** Where the generated configuration, logs and pid file go (DATA_DIR/radius). */
  dir: string;
  databaseUrl: string;
  listenAddress: string;
  authPort: number;
  acctPort: number;
  /** The addresses looked up as RADIUS clients (CIDR). */
  clientNetwork: string;
  /** Seconds a learned client is kept before it is looked up again. */
  clientLifetime: number;
  /** The distribution's configuration tree; found among the usual places when omitted. */
  stockDir?: string;
  /** Changes to the generated tree before the start (the benchmark's users-file floor). */
  adjust?: (raddb: string) => void;
}

export interface Freeradius {
  authPort: number;
  acctPort: number;
  logFile: string;
  stop(): Promise<void>;
}

/** Writes DIR/raddb: the stock tree, this project's files over it, only our three servers enabled. */
export function writeFreeradiusConfig(dir: string, stockDir?: string): string {
  const stock = stockDir ?? STOCK_TREES.find((d) => fs.existsSync(path.join(d, 'radiusd.conf')));
  if (!stock) throw new Error(`no FreeRADIUS configuration found in ${STOCK_TREES.join(', ')}`);
  try {
    fs.accessSync(path.join(stock, 'radiusd.conf'), fs.constants.R_OK);
  } catch {
    throw new Error(`${stock} is not readable by this user (FreeRADIUS keeps it for root and the freerad group)`);
  }
  const raddb = path.join(dir, 'raddb');
  fs.rmSync(raddb, { recursive: true, force: true });
  fs.cpSync(stock, raddb, { recursive: true, verbatimSymlinks: true });
  fs.cpSync(overlayDir, raddb, { recursive: true });
  for (const sub of ['log', 'run']) fs.mkdirSync(path.join(dir, sub), { recursive: true });

  const conf = path.join(raddb, 'radiusd.conf');
  const text = fs
    .readFileSync(conf, 'utf8')
    .replace(/^logdir = .*$/m, `logdir = ${path.join(dir, 'log')}`)
    .replace(/^run_dir = .*$/m, `run_dir = ${path.join(dir, 'run')}`)
    // It runs as whoever started it (no switch to the freerad user, who cannot read DATA_DIR).
    .replace(/^\s*(user|group) = .*$/gm, '')
    .replace(/^proxy_requests\s*=.*$/m, 'proxy_requests = no');
  fs.writeFileSync(conf, text);

  const sites = path.join(raddb, 'sites-enabled');
  fs.rmSync(sites, { recursive: true, force: true });
  fs.mkdirSync(sites);
  for (const site of ['default', 'inner-tunnel', 'dynamic-clients']) fs.symlinkSync(`../sites-available/${site}`, path.join(sites, site));
  const sql = path.join(raddb, 'mods-enabled', 'sql');
  fs.rmSync(sql, { force: true });
  fs.symlinkSync('../mods-available/sql', sql);
  return raddb;
}

/** The variables the configuration reads. */
export function freeradiusEnvironment(options: Pick<FreeradiusOptions, 'databaseUrl' | 'listenAddress' | 'authPort' | 'acctPort' | 'clientNetwork' | 'clientLifetime'>): Record<string, string> {
  const db = new URL(options.databaseUrl);
  return {
    RADIUS_DB_HOST: db.hostname === 'localhost' ? '127.0.0.1' : db.hostname.replace(/^\[|\]$/g, ''),
    RADIUS_DB_PORT: db.port || '5432',
    RADIUS_DB_USER: decodeURIComponent(db.username),
    RADIUS_DB_PASSWORD: decodeURIComponent(db.password),
    RADIUS_DB_NAME: decodeURIComponent(db.pathname.slice(1)),
    RADIUS_LISTEN_ADDRESS: options.listenAddress,
    RADIUS_AUTH_PORT: String(options.authPort),
    RADIUS_ACCT_PORT: String(options.acctPort),
    RADIUS_CLIENT_NETWORK: options.clientNetwork,
    RADIUS_CLIENT_LIFETIME: String(options.clientLifetime),
  };
}

const freeradiusPidFile = (dir: string) => path.join(dir, 'run', 'freeradius.pid');

/**
 * One left running by a start that was killed hard holds the ports: stopped, when its command
 * line proves it ran this folder's configuration.
 */
export async function stopLeftoverFreeradius(dir: string): Promise<void> {
  await stopLeftover(freeradiusPidFile(dir), path.join(dir, 'raddb'), 'SIGTERM');
}

/** Generates the configuration, checks it, starts FreeRADIUS and waits until it serves. */
export async function startFreeradius(options: FreeradiusOptions): Promise<Freeradius> {
  const pidFile = freeradiusPidFile(options.dir);
  await stopLeftoverFreeradius(options.dir);
  const raddb = writeFreeradiusConfig(options.dir, options.stockDir);
  options.adjust?.(raddb);
  const logFile = path.join(options.dir, 'log', 'freeradius.log');
  const env = { ...process.env, ...freeradiusEnvironment(options) };
  const log = fs.openSync(logFile, 'a');
  // -f: in the foreground, so it is our child; -l stdout: its log goes where we send it.
  const child: ChildProcess = spawn(options.binary, ['-f', '-l', 'stdout', '-d', raddb], { env, stdio: ['ignore', 'pipe', log], detached: true });
  if (child.pid) fs.writeFileSync(pidFile, `${child.pid}\n`);
  stopWithThisProcess(child);
  let output = '';
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = `FreeRADIUS exited (${signal ?? `code ${code}`}); see ${logFile}`;
      resolve();
    });
  });
  child.once('error', (error) => { exitReason = `could not run ${options.binary}: ${error.message}`; });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`FreeRADIUS did not get ready within 20 s; see ${logFile}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      fs.writeSync(log, chunk);
      if (output.length < 20_000) output += chunk.toString();
      if (/Ready to process requests/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      const failure = output.split('\n').filter((l) => /error|failed|refusing/i.test(l)).slice(-3).join(' | ');
      reject(new Error(`${exitReason}${failure ? `: ${failure}` : ''}`));
    });
  });
  const stop = async () => {
    if (exitReason === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    fs.closeSync(log);
    fs.rmSync(pidFile, { force: true });
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return { authPort: options.authPort, acctPort: options.acctPort, logFile, stop };
}

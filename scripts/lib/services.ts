import path from 'node:path';
import type { Config } from '../../config/index.ts';
import { probeDatabase } from '../../db/probe.ts';
import { embeddedDatabaseUrl, EmbeddedPostgresUnreachable, startEmbeddedPostgres } from '../../services/embedded-postgres.ts';
import { temporalTarget } from '../../services/temporal-connection.ts';
import { CommandError } from '../../lib/cli.ts';
import { runningEmbeddedDatabase, runningStack } from './stack-file.ts';

/** Where a CLI finds Temporal: TEMPORAL_ADDRESS & co., else the one this folder's `npm start` runs. */
export function cliTemporalTarget(config: Config) {
  return temporalTarget(config, config.temporal.external ? undefined : runningStack(config.dataDir)?.temporalAddress);
}

/** The API a CLI talks to: PUBLIC_URL when set, else this folder's running stack, else the default. */
export function cliApiUrl(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  return (env.PUBLIC_URL ?? runningStack(config.dataDir)?.apiUrl ?? config.http.publicUrl).replace(/\/$/, '');
}

/**
 * Runs `fn` with a database URL: DATABASE_URL when set; else the database of the stack `npm start`
 * runs from this data folder (on whatever port), or the embedded server already running in it;
 * only when none runs, one started (and stopped) just for `fn`. Never a database that merely
 * answers on the default port, and never a stop of a server this command did not start.
 */
export async function withDatabase<T>(config: Config, fn: (url: string) => Promise<T>): Promise<T> {
  if (config.database.url) return fn(config.database.url);
  const stack = runningStack(config.dataDir);
  const running = stack?.databaseUrl ?? runningEmbeddedDatabase(config.dataDir);
  if (running) return fn(running);
  if (stack) throw new CommandError(`npm start (pid ${stack.pid}) runs this folder's stack on a database of its DATABASE_URL: set DATABASE_URL here too`);
  if ((await probeDatabase(embeddedDatabaseUrl(config.database.embeddedPort), 1000)) === undefined) {
    throw new CommandError(`a PostgreSQL of another folder answers on port ${config.database.embeddedPort}: set DATABASE_URL, or EMBEDDED_POSTGRES_PORT to a free port`);
  }
  const db = await startEmbeddedPostgres({
    dataDir: path.join(config.dataDir, 'postgres'),
    port: config.database.embeddedPort,
  }).catch((error: Error) => {
    throw error instanceof EmbeddedPostgresUnreachable ? new CommandError(error.message) : error;
  });
  try {
    return await fn(db.url);
  } finally {
    await db.stop();
  }
}

import path from 'node:path';
import type { Config } from '../../config/index.ts';
import { probeDatabase } from '../../db/probe.ts';
import { embeddedDatabaseUrl, startEmbeddedPostgres } from '../../services/embedded-postgres.ts';

/**
 * Runs `fn` with a database URL: DATABASE_URL when set; else the embedded server — the one
 * `npm start` is running if there is one, or one started (and stopped) just for `fn`.
 */
export async function withDatabase<T>(config: Config, fn: (url: string) => Promise<T>): Promise<T> {
  if (config.database.url) return fn(config.database.url);
  const running = embeddedDatabaseUrl(config.database.embeddedPort);
  if ((await probeDatabase(running, 1000)) === undefined) return fn(running);
  const db = await startEmbeddedPostgres({
    dataDir: path.join(config.dataDir, 'postgres'),
    port: config.database.embeddedPort,
  });
  try {
    return await fn(db.url);
  } finally {
    await db.stop();
  }
}

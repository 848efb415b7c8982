import type { Scope } from './scope.ts';
import { createLogger } from '../../lib/logger.ts';
import { startApiServer } from '../../server/start.ts';
import { loadConfig } from '../../config/index.ts';
import type { Orm } from '../../db/orm.ts';
import type { MailCatcher } from '../../services/mail-catcher.ts';
import { TEST_SECRET_KEY, temporalClient } from './temporal.ts';

/** The real API on a random port, wired to the test's database and the shared Temporal server. */
export async function startApi(
  t: Scope,
  options: { orm: Orm; taskQueue: string; mailCatcher?: MailCatcher; env?: NodeJS.ProcessEnv; namespace?: string; port?: number },
): Promise<{ url: string; close(): Promise<void> }> {
  const config = loadConfig({ NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: options.taskQueue, LOG_LEVEL: 'silent', ...options.env });
  const api = await startApiServer({
    config,
    logger: createLogger((process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent'),
    orm: options.orm,
    client: await temporalClient(t, options.namespace),
    secretKey: TEST_SECRET_KEY,
    mailCatcher: options.mailCatcher,
    port: options.port ?? 0,
  });
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= api.close());
  t.teardown(close);
  return { url: api.url, close };
}

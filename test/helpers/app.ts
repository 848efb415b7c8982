import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';
import { createApp } from '../../api/app.ts';
import { createLogger } from '../../api/logger.ts';
import { createMetrics } from '../../api/metrics.ts';
import { createReadiness } from '../../api/readiness.ts';
import { loadConfig } from '../../config/index.ts';
import type { Orm } from '../../db/orm.ts';
import type { MailCatcher } from '../../services/mail-catcher.ts';
import { temporalClient } from './temporal.ts';

/** The real Koa app on a random port, wired to the test's database and the shared Temporal server. */
export async function startApi(
  t: ExecutionContext,
  options: { orm: Orm; taskQueue: string; mailCatcher?: MailCatcher; env?: NodeJS.ProcessEnv },
): Promise<{ url: string }> {
  const config = loadConfig({ NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: options.taskQueue, LOG_LEVEL: 'silent', ...options.env });
  const client = await temporalClient(t);
  const app = createApp({
    config,
    logger: createLogger('silent'),
    orm: options.orm,
    readiness: createReadiness({ orm: options.orm, client, namespace: 'default', taskQueue: options.taskQueue }),
    metrics: createMetrics(),
    mailCatcher: options.mailCatcher,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

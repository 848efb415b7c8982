import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { Client } from '@temporalio/client';
import type { Config } from '../config/index.ts';
import type { Orm } from '../db/orm.ts';
import { createSecrets } from '../domain/secrets.ts';
import { createLifecycleGateway, type LifecycleGateway } from '../domain/members/lifecycle-gateway.ts';
import { createWebhookGateway, type WebhookGateway } from '../domain/webhooks/gateway.ts';
import { createVisitGateway } from '../domain/visits/visit-gateway.ts';
import type { MailCatcher } from '../services/mail-catcher.ts';
import { createApp } from './app.ts';
import type { Logger } from '../lib/logger.ts';
import { createMetrics } from '../api/metrics.ts';
import { createRateLimits } from '../http/rate-limit.ts';
import { createReadiness } from '../api/readiness.ts';
import { AesGcmPayloadCodec, codecKeys } from '../services/payload-codec.ts';

export interface ApiServer {
  /** Where it actually listens (the port may have been chosen by the system). */
  url: string;
  close(): Promise<void>;
}

/** The Koa app, wired and listening: used by `npm start`, `npm run api` and the tests alike. */
export async function startApiServer(deps: {
  config: Config;
  logger: Logger;
  orm: Orm;
  client: Client;
  /** Built once for the process; made from the client and the configuration when not given. */
  lifecycles?: LifecycleGateway;
  webhooks?: WebhookGateway;
  /** The deployment's SECRET_KEY: the same in every API and worker process. */
  secretKey: string;
  mailCatcher?: MailCatcher;
  /** Overrides config.http.port; 0 lets the system choose. */
  port?: number;
}): Promise<ApiServer> {
  const { config, orm, client } = deps;
  // The limits' own small pool: their counts are written outside any request's transaction.
  const limitsPool = new pg.Pool({ connectionString: orm.config.get('clientUrl'), max: 3 });
  limitsPool.on('error', (error) => deps.logger.warn({ err: error }, 'rate-limit pool: connection lost'));
  const app = await createApp({
    config,
    logger: deps.logger,
    orm,
    lifecycles: deps.lifecycles ?? createLifecycleGateway({ client, taskQueue: config.temporal.taskQueue, defaults: config.lifecycle }),
    webhooks: deps.webhooks ?? createWebhookGateway({ client, taskQueue: config.temporal.taskQueue }),
    visits: createVisitGateway({ client, taskQueue: config.temporal.taskQueue, approvalWaitMs: config.visits.approvalWaitMs }),
    secrets: createSecrets(deps.secretKey),
    metrics: createMetrics(),
    readiness: createReadiness({ orm, client, namespace: client.options.namespace, taskQueue: config.temporal.taskQueue }),
    limits: createRateLimits({ pool: limitsPool }),
    mailCatcher: deps.mailCatcher,
    payloadCodec: new AesGcmPayloadCodec(codecKeys(deps.secretKey, config.temporal.codecKeys)),
  });
  const port = deps.port ?? config.http.port;
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(port, config.http.host, () => resolve(s));
    s.once('error', (error) => reject(new Error(`could not listen on ${config.http.host}:${port} (${error.message})`)));
  });
  const { address, port: actualPort } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${actualPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => limitsPool.end()),
  };
}

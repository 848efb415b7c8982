// What the activities are built with, from the configuration: one place, so `npm start`, the
// standalone worker and the tests wire the same things.
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { createLifecycleGateway } from '../domain/members/lifecycle-gateway.ts';
import { createWebhookGateway } from '../domain/webhooks/gateway.ts';
import { createVisitGateway } from '../domain/visits/visit-gateway.ts';
import type { ActivityDeps } from '../activities/index.ts';
import type { Orm } from '../db/orm.ts';
import { createSecrets } from '../domain/secrets.ts';
import { createMailer } from '../mail/mailer.ts';
import { loadEmailRenderer, type EmailRenderer } from '../mail/render.ts';
import { databaseCardAccess } from '../providers/access.ts';
import { fillMissingNtPasswords, radiusWifi } from '../providers/wifi.ts';
import type { LifecycleDurations } from '../contract/workflows.ts';

export async function activityDeps(options: {
  orm: Orm;
  smtpUrl: string;
  mailFrom: string;
  /** SMTP_RETRY_FOR. */
  mailRetryForMs: number;
  /** The e-mail templates, compiled; loaded (MJML compiled) here when not given. */
  renderer?: EmailRenderer;
  secretKey: string;
  publicUrl: string;
  /** The client activities use to start and remove lifecycles (imports, a company leaving). Connects on first use. */
  temporal: { connectionOptions: ConnectionOptions; namespace: string; taskQueue: string; dataConverter: DataConverter };
  lifecycleDefaults: LifecycleDurations;
  /** WEBHOOK_ALLOW_PRIVATE (config.webhooks.allowPrivate). */
  webhookAllowPrivate: boolean;
}): Promise<ActivityDeps & { client: Client; close(): Promise<void> }> {
  // First, so that a broken template stops the worker before it connects to anything.
  const renderer = options.renderer ?? (await loadEmailRenderer());
  const secrets = createSecrets(options.secretKey);
  const mailer = createMailer({ smtpUrl: options.smtpUrl, from: options.mailFrom });
  const connection = Connection.lazy(options.temporal.connectionOptions);
  await fillMissingNtPasswords(options.orm, secrets);
  const client = new Client({ connection, namespace: options.temporal.namespace, dataConverter: options.temporal.dataConverter });
  return {
    orm: options.orm,
    mailer,
    renderer,
    mailRetryForMs: options.mailRetryForMs,
    secrets,
    access: databaseCardAccess(),
    wifi: radiusWifi(options.orm, secrets),
    publicUrl: options.publicUrl,
    lifecycles: createLifecycleGateway({ client, taskQueue: options.temporal.taskQueue, defaults: options.lifecycleDefaults }),
    webhooks: { allowPrivate: options.webhookAllowPrivate, gateway: createWebhookGateway({ client, taskQueue: options.temporal.taskQueue }) },
    // A removed host's visits are cancelled from the lifecycle's activity: their workflows are told.
    visits: createVisitGateway({ client, taskQueue: options.temporal.taskQueue, approvalWaitMs: 0 }),
    client,
    close: async () => {
      mailer.close();
      await connection.close();
    },
  };
}

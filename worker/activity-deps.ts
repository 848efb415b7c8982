// What the activities are built with, from the configuration: one place, so `npm start`, the
// standalone worker and the tests wire the same things.
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { ActivityDeps } from '../activities/index.ts';
import type { Orm } from '../db/orm.ts';
import { createSecrets } from '../domain/secrets.ts';
import { createMailer } from '../mail/mailer.ts';
import { databaseCardAccess } from '../providers/access.ts';
import { databaseWifi } from '../providers/wifi.ts';
import type { LifecycleDurations } from '../workflows/member-lifecycle/types.ts';

export function activityDeps(options: {
  orm: Orm;
  smtpUrl: string;
  mailFrom: string;
  secretKey: string;
  publicUrl: string;
  /** The client activities use to start member lifecycles (bulk imports). Connects on first use. */
  temporal: { connectionOptions: ConnectionOptions; namespace: string; taskQueue: string };
  lifecycleDefaults: LifecycleDurations;
}): ActivityDeps & { close(): Promise<void> } {
  const secrets = createSecrets(options.secretKey);
  const mailer = createMailer({ smtpUrl: options.smtpUrl, from: options.mailFrom });
  const connection = Connection.lazy(options.temporal.connectionOptions);
  return {
    orm: options.orm,
    mailer,
    secrets,
    access: databaseCardAccess(),
    wifi: databaseWifi(options.orm, secrets),
    publicUrl: options.publicUrl,
    lifecycles: {
      client: new Client({ connection, namespace: options.temporal.namespace }),
      taskQueue: options.temporal.taskQueue,
      defaults: options.lifecycleDefaults,
    },
    close: async () => {
      mailer.close();
      await connection.close();
    },
  };
}

// What the activities are built with, from the configuration: one place, so `npm start`, the
// standalone worker and the tests wire the same things.
import type { ActivityDeps } from '../activities/index.ts';
import type { Orm } from '../db/orm.ts';
import { createSecrets } from '../domain/secrets.ts';
import { createMailer } from '../mail/mailer.ts';
import { databaseCardAccess } from '../providers/access.ts';
import { databaseWifi } from '../providers/wifi.ts';

export function activityDeps(options: { orm: Orm; smtpUrl: string; mailFrom: string; secretKey: string; publicUrl: string }): ActivityDeps & { close(): void } {
  const secrets = createSecrets(options.secretKey);
  const mailer = createMailer({ smtpUrl: options.smtpUrl, from: options.mailFrom });
  return {
    orm: options.orm,
    mailer,
    secrets,
    access: databaseCardAccess(),
    wifi: databaseWifi(options.orm, secrets),
    publicUrl: options.publicUrl,
    close: () => mailer.close(),
  };
}

// npm run org:create -- --name "Acme" --admin-email admin@acme.test --site "Paris HQ"
// Prints one JSON line: {"organizationId", "apiKey", "siteId", "adminMemberId", "adminLifecycle"}.
// The admin's lifecycle (their invitation e-mail) starts at once when Temporal answers
// ("started"); otherwise the worker starts it when the stack next comes up ("pending").
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { MEMBER_LOCALES } from '../db/entities/index.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.ts';
import { resolveDurations, startLifecycle } from '../domain/members/lifecycle.ts';
import { createOrganization, type CreatedOrganization } from '../domain/organizations/create-organization.ts';
import { loadConfigOrExit, runMain, CommandError } from './lib/cli.ts';
import { cliTemporalTarget, withDatabase } from './lib/services.ts';

const usage = 'usage: npm run org:create -- --name <name> --admin-email <email> --site <site name> [--admin-name <name>] [--locale fr|en] [--time-zone Europe/Paris] [--wifi-ssid <network name>] [--brand-color "#1d4ed8"] [--logo-url https://…/logo.png]';

const Args = z.object({
  name: z.string().trim().min(1, '--name is required').max(200),
  'admin-email': z.email('--admin-email must be an e-mail address'),
  site: z.string().trim().min(1, '--site is required').max(200),
  'admin-name': z.string().trim().max(200).optional(),
  locale: z.enum(MEMBER_LOCALES).optional(),
  'time-zone': z
    .string()
    .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', '--time-zone must be an IANA time zone such as Europe/Paris')
    .optional(),
  'wifi-ssid': z.string().trim().min(1, '--wifi-ssid cannot be empty').max(32, '--wifi-ssid is at most 32 characters (the Wi-Fi limit)').optional(),
  'brand-color': z.string().regex(/^#[0-9a-fA-F]{6}$/, '--brand-color must be a colour as #rrggbb').optional(),
  'logo-url': z.url({ protocol: /^https$/, message: '--logo-url must be an https:// address' }).max(2000).optional(),
});

runMain(async () => {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      options: {
        name: { type: 'string' },
        'admin-email': { type: 'string' },
        'admin-name': { type: 'string' },
        site: { type: 'string' },
        locale: { type: 'string' },
        'time-zone': { type: 'string' },
        'wifi-ssid': { type: 'string' },
        'brand-color': { type: 'string' },
        'logo-url': { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new CommandError(`${(error as Error).message}\n${usage}`);
  }
  const parsed = Args.safeParse(values);
  if (!parsed.success) throw new CommandError(`${parsed.error.issues[0]!.message}\n${usage}`);
  const args = parsed.data;

  const config = loadConfigOrExit();
  await withDatabase(config, async (url) => {
    const orm = await openOrm(url, { poolMax: 2 });
    try {
      await migrate(orm);
      const created = await createOrganization(orm.em.fork(), {
        name: args.name,
        adminEmail: args['admin-email'],
        adminName: args['admin-name'],
        adminLocale: args.locale,
        siteName: args.site,
        siteTimeZone: args['time-zone'],
        siteWifiSsid: args['wifi-ssid'],
        brandColor: args['brand-color'],
        logoUrl: args['logo-url'],
        actor: 'cli:org-create',
      });
      const adminLifecycle = await startAdminLifecycle(config, created, args['admin-email']);
      process.stdout.write(`${JSON.stringify({ ...created, adminLifecycle })}\n`);
    } finally {
      await orm.close();
    }
  });
}, usage);

async function startAdminLifecycle(config: Config, created: CreatedOrganization, email: string): Promise<'started' | 'pending'> {
  const target = cliTemporalTarget(config);
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ ...(target.connectionOptions as object), connectTimeout: '3s' });
    const client = new Client({ connection, namespace: target.namespace });
    await startLifecycle(client, {
      memberId: created.adminMemberId,
      organizationId: created.organizationId,
      invitedBy: 'cli:org-create',
      durations: resolveDurations(config.lifecycle, null),
      taskQueue: config.temporal.taskQueue,
      label: email.trim().toLowerCase(),
    });
    return 'started';
  } catch (error) {
    process.stderr.write(`Temporal at ${String(target.connectionOptions.address)} did not answer (${(error as Error).message}): the admin's invitation goes out when the worker next starts.\n`);
    return 'pending';
  } finally {
    await connection?.close();
  }
}

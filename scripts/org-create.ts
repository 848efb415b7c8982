// npm run org:create -- --name "Acme" --admin-email admin@acme.test --site "Paris HQ" [--company "Acme"]
// On a fresh install: the operator named --name (its first site, its key, and its first admin, who
// is also the first company's admin), and the first company (--company, default --name), in one
// step. On an install that has its operator: one more company, at the site named --site (found, or
// added). Prints one JSON line: {"operatorId", "operatorApiKey" (null unless the operator was just
// made), "siteId", "companyId", "companyId" (the same), "apiKey" (the company's),
// "adminMemberId", "adminLifecycle"}. The admin's lifecycle (their invitation e-mail) starts at
// once when Temporal answers ("started"); otherwise when the stack next comes up ("pending").
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { MEMBER_LOCALES } from '../db/entities/index.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.ts';
import { createCompanyAtSite, findOperator, type CreatedCompanyAtSite } from '../domain/companies/create-company.ts';
import { createLifecycleGateway } from '../domain/members/lifecycle-gateway.ts';
import { loadConfigOrExit, runMain, CommandError } from '../lib/cli.ts';
import { resolveSecretKey } from '../services/secret-key.ts';
import { dataConverterFor } from '../services/payload-codec.ts';
import { cliTemporalTarget, withDatabase } from './lib/services.ts';

const usage = 'usage: npm run org:create -- --name <name> --admin-email <email> --site <site name> [--company <company name>] [--admin-name <name>] [--locale fr|en] [--time-zone Europe/Paris] [--wifi-ssid <network name>] [--brand-color "#1d4ed8"] [--logo-url https://…/logo.png]';

const Args = z.object({
  name: z.string().trim().min(1, '--name is required').max(200),
  'admin-email': z.email('--admin-email must be an e-mail address'),
  site: z.string().trim().min(1, '--site is required').max(200),
  company: z.string().trim().min(1, '--company cannot be empty').max(200).optional(),
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
        company: { type: 'string' },
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
      await migrate(orm, { operatorName: config.operatorName });
      const fresh = !(await findOperator(orm.em.fork()));
      const created = await createCompanyAtSite(orm.em.fork(), {
        name: args.company ?? args.name,
        operatorName: args.name,
        adminEmail: args['admin-email'],
        adminName: args['admin-name'],
        adminLocale: args.locale,
        siteName: args.site,
        siteTimeZone: args['time-zone'],
        siteWifiSsid: args['wifi-ssid'],
        brandColor: args['brand-color'],
        logoUrl: args['logo-url'],
        // On a fresh install the first admin runs the buildings too: one invitation, one password.
        operatorAdmin: fresh,
        actor: 'cli:org-create',
      });
      const adminLifecycle = await startAdminLifecycle(config, created, args['admin-email']);
      process.stdout.write(`${JSON.stringify({ ...created, adminLifecycle })}\n`);
    } finally {
      await orm.close();
    }
  });
}, usage);

async function startAdminLifecycle(config: Config, created: CreatedCompanyAtSite, email: string): Promise<'started' | 'pending'> {
  const target = cliTemporalTarget(config);
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ ...(target.connectionOptions as object), connectTimeout: '3s' });
    const lifecycles = createLifecycleGateway({ client: new Client({ connection, namespace: target.namespace, dataConverter: dataConverterFor(config, resolveSecretKey(config)) }), taskQueue: config.temporal.taskQueue, defaults: config.lifecycle });
    await lifecycles.start({ memberId: created.adminMemberId, companyId: created.companyId, invitedBy: 'cli:org-create' });
    return 'started';
  } catch (error) {
    process.stderr.write(`Temporal at ${String(target.connectionOptions.address)} did not answer (${(error as Error).message}): the admin's invitation goes out when the worker next starts.\n`);
    return 'pending';
  } finally {
    await connection?.close();
  }
}

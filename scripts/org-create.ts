// npm run org:create -- --name "Acme" --admin-email admin@acme.test --site "Paris HQ"
// Prints one JSON line: {"organizationId", "apiKey", "siteId", "adminMemberId"}.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { MEMBER_LOCALES } from '../db/entities/index.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { createOrganization } from '../domain/organizations/create-organization.ts';
import { loadConfigOrExit, runMain, CommandError } from './lib/cli.ts';
import { withDatabase } from './lib/services.ts';

const usage = 'usage: npm run org:create -- --name <name> --admin-email <email> --site <site name> [--admin-name <name>] [--locale fr|en] [--time-zone Europe/Paris]';

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
        actor: 'cli:org-create',
      });
      process.stdout.write(`${JSON.stringify(created)}\n`);
    } finally {
      await orm.close();
    }
  });
});

// npm run migrate: applies the committed migrations to DATABASE_URL (or the embedded database).
// Deployments run it once before starting API and worker processes.
import { migrate, openOrm } from '../db/orm.ts';
import { loadConfigOrExit, runMain } from '../lib/cli.ts';
import { withDatabase } from './lib/services.ts';

const usage = "usage: npm run migrate\nApplies the committed migrations to DATABASE_URL, or to this folder's running stack's database, or to the embedded one (started for the moment).";

runMain(async () => {
  const config = loadConfigOrExit();
  await withDatabase(config, async (url) => {
    const orm = await openOrm(url, { poolMax: 1 });
    try {
      const applied = await migrate(orm, { operatorName: config.operatorName });
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    } finally {
      await orm.close();
    }
  });
}, usage);

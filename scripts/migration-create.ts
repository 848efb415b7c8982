// Developer command: diff the entities against the migrated schema and write the next committed
// migration under db/migrations/ (npm run migration:create -- <name>).
import { loadConfig } from '../config/index.ts';
import { openOrm, migrate } from '../db/orm.ts';
import { withDatabase } from './lib/services.ts';

const name = process.argv[2];
const config = loadConfig();
await withDatabase(config, async (url) => {
  const orm = await openOrm(url);
  try {
    await migrate(orm);
    const result = await orm.migrator.create(undefined, false, false, name);
    console.log(result.fileName ? `wrote db/migrations/${result.fileName}` : 'schema is up to date; nothing written');
  } finally {
    await orm.close();
  }
});

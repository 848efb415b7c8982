import path from 'node:path';
import type { Kysely, Selectable } from 'kysely';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM } from '@mikro-orm/postgresql';
import { projectRoot } from '../config/index.ts';
import { entities } from './entities/index.ts';

export const migrationsPath = path.join(projectRoot, 'db', 'migrations');

export function ormConfig(databaseUrl: string, options: { poolMax?: number; debug?: boolean } = {}) {
  return defineConfig({
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    // Entities are code (defineEntity), so there is nothing to discover from files or cache.
    metadataCache: { enabled: false },
    pool: { min: 0, max: options.poolMax ?? 10 },
    debug: options.debug ?? false,
    // FreeRADIUS's side (the `radius` schema: its accounting table and views over ours) is written
    // by hand in the migrations; the entities do not describe it. Nor rate_limit, rate-limiter-flexible's table.
    // Routines: the audit chain's hand-written functions (Migration20261207121053_privacy) are the
    // migrations' own, never dropped by a schema diff.
    schemaGenerator: { skipTables: ['radacct', 'rate_limit'], skipViews: ['radcheck', 'radreply', 'nas'], ignoreRoutines: true },
    migrations: {
      path: migrationsPath,
      glob: 'Migration*.ts',
      emit: 'ts',
      snapshotOnMigrate: false,
      silent: true,
    },
  });
}

export async function openOrm(databaseUrl: string, options?: { poolMax?: number; debug?: boolean }) {
  return MikroORM.init(ormConfig(databaseUrl, options));
}

export type Orm = Awaited<ReturnType<typeof openOrm>>;
/**
 * The platform's entity manager: it knows the entities, so `em.getKysely()` types every table and
 * column from them (the table keeps its name: `organization` is a company), inside the same
 * transaction as the ORM's own calls.
 */
export type EntityManager = Orm['em'];
// getKysely's own return type is generic; called once, it is the platform's.
const kyselyOf = (em: EntityManager) => em.getKysely();
/** The tables as Kysely sees them (typed from the entities). */
export type Database = ReturnType<typeof kyselyOf> extends Kysely<infer DB> ? DB : never;
/** One table's row, as `select *` returns it. */
export type Row<Table extends keyof Database> = Selectable<Database[Table]>;

const OPERATORS_MIGRATION = 'Migration20261202054459_operators';

/**
 * Applies the committed migrations; returns the names of those it ran. The operators migration
 * makes the operator of an existing install under a placeholder name: it is given its name here
 * (a migration cannot read the configuration).
 */
export async function migrate(orm: Orm, options: { operatorName?: string } = {}): Promise<string[]> {
  const done = (await orm.migrator.up()).map((m) => m.name);
  if (options.operatorName && done.includes(OPERATORS_MIGRATION)) {
    await orm.em.fork().getKysely().updateTable('operator').set({ name: options.operatorName }).where('name', '=', 'Operator').execute();
  }
  return done;
}

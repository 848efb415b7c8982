import test from 'ava';
import { migrate, openOrm } from '../db/orm.ts';
import { createEmptyDatabase, query } from './helpers/database.ts';

test('the committed migrations build the whole schema on an empty database, once', async (t) => {
  const url = await createEmptyDatabase();
  const orm = await openOrm(url, { poolMax: 2 });
  t.teardown(() => orm.close());

  const before = await query(url, "select count(*)::int as n from information_schema.tables where table_schema = 'public'");
  t.is(before.rows[0]!.n, 0);

  const applied = await migrate(orm);
  t.true(applied.length > 0);
  const tables = await query<{ table_name: string }>(url, "select table_name from information_schema.tables where table_schema = 'public' order by 1");
  const names = tables.rows.map((r) => r.table_name);
  for (const table of ['organization', 'site', 'door_controller', 'card', 'member', 'api_key', 'audit_event', 'email_outbox']) {
    t.true(names.includes(table), `table ${table} exists`);
  }
  t.deepEqual(await migrate(orm), [], 'a second run applies nothing');
});

test('the entities and the committed migrations describe the same schema', async (t) => {
  const url = await createEmptyDatabase();
  const orm = await openOrm(url, { poolMax: 2 });
  t.teardown(() => orm.close());
  await migrate(orm);
  // If someone changes an entity without committing a migration, this diff is not empty.
  const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
  t.is(diff.trim(), '', `entities changed without a migration:\n${diff}`);
});

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

test('an install from before operators: each company becomes a company of one operator, its sites granted to it, names kept apart', async (t) => {
  const url = await createEmptyDatabase();
  const orm = await openOrm(url, { poolMax: 2 });
  t.teardown(() => orm.close());
  await orm.migrator.up({ to: 'Migration20261202050454_trust_repairs' });
  const ids = { acme: crypto.randomUUID(), beta: crypto.randomUUID(), acmeHq: crypto.randomUUID(), betaHq: crypto.randomUUID(), lyon: crypto.randomUUID() };
  await query(url, `insert into organization (id, name, brand_color, created_at) values ($1, 'Acme', '#1d4ed8', now()), ($2, 'Beta', '#1d4ed8', now())`, [ids.acme, ids.beta]);
  await query(url, `insert into site (id, organization_id, name, time_zone, access_list_version, created_at) values ($1, $4, 'HQ', 'Europe/Paris', 3, now()), ($2, $5, 'HQ', 'Europe/Paris', 0, now()), ($3, $4, 'Lyon', 'Europe/Paris', 0, now())`, [ids.acmeHq, ids.betaHq, ids.lyon, ids.acme, ids.beta]);
  await query(url, `insert into member (id, organization_id, site_id, email, name, role, locale, status, created_at, updated_at) values (gen_random_uuid(), $1, $2, 'boss@acme.test', 'Boss', 'admin', 'fr', 'active', now(), now())`, [ids.acme, ids.acmeHq]);

  const applied = await migrate(orm, { operatorName: 'Workways' });
  t.true(applied.includes('Migration20261202054459_operators'));
  const operators = await query<{ id: string; name: string }>(url, 'select id, name from operator');
  t.deepEqual(operators.rows.map((o) => o.name), ['Workways'], 'OPERATOR_NAME names it');
  const operatorId = operators.rows[0]!.id;
  t.deepEqual((await query(url, 'select distinct operator_id from organization')).rows, [{ operator_id: operatorId }]);
  const sites = await query<{ id: string; name: string; operator_id: string; access_list_version: number }>(url, 'select id, name, operator_id, access_list_version from site order by name');
  t.deepEqual(sites.rows.map((s) => s.name), ['HQ (Acme)', 'HQ (Beta)', 'Lyon'], 'a name two companies used gets the company\'s after it');
  t.true(sites.rows.every((s) => s.operator_id === operatorId));
  t.is(sites.rows.find((s) => s.id === ids.acmeHq)!.access_list_version, 3, 'door controllers keep their ETag');
  const grants = await query(url, 'select organization_id, site_id from company_site order by organization_id, site_id');
  t.deepEqual(grants.rows, [
    { organization_id: ids.acme, site_id: [ids.acmeHq, ids.lyon].sort()[0] },
    { organization_id: ids.acme, site_id: [ids.acmeHq, ids.lyon].sort()[1] },
    { organization_id: ids.beta, site_id: ids.betaHq },
  ].sort((a, b) => (a.organization_id + a.site_id).localeCompare(b.organization_id + b.site_id)));
  t.deepEqual((await query(url, 'select operator_admin from member')).rows, [{ operator_admin: false }], 'with two companies, no company admin becomes the operator\'s');
});

test('an install of one company: its admins, who managed the hardware, become operator admins', async (t) => {
  const url = await createEmptyDatabase();
  const orm = await openOrm(url, { poolMax: 2 });
  t.teardown(() => orm.close());
  await orm.migrator.up({ to: 'Migration20261202050454_trust_repairs' });
  const org = crypto.randomUUID();
  const site = crypto.randomUUID();
  await query(url, `insert into organization (id, name, brand_color, created_at) values ($1, 'Solo', '#1d4ed8', now())`, [org]);
  await query(url, `insert into site (id, organization_id, name, time_zone, access_list_version, created_at) values ($1, $2, 'HQ', 'Europe/Paris', 0, now())`, [site, org]);
  await query(url, `insert into member (id, organization_id, site_id, email, name, role, locale, status, created_at, updated_at) values (gen_random_uuid(), $1, $2, 'boss@solo.test', 'Boss', 'admin', 'fr', 'active', now(), now()), (gen_random_uuid(), $1, $2, 'user@solo.test', 'User', 'user', 'fr', 'active', now(), now())`, [org, site]);
  await migrate(orm);
  t.deepEqual((await query(url, 'select email, operator_admin from member order by email')).rows, [{ email: 'boss@solo.test', operator_admin: true }, { email: 'user@solo.test', operator_admin: false }]);
  t.deepEqual((await query(url, 'select name from operator')).rows, [{ name: 'Operator' }], 'the default name');
});

test('an install from before zones: each site gets its common zone, its doors guard it, its companies are granted it, every door reads a new list', async (t) => {
  const url = await createEmptyDatabase();
  const orm = await openOrm(url, { poolMax: 2 });
  t.teardown(() => orm.close());
  await orm.migrator.up({ to: 'Migration20261207030000_rate_limits' });
  const ids = { operator: crypto.randomUUID(), acme: crypto.randomUUID(), beta: crypto.randomUUID(), site: crypto.randomUUID(), door: crypto.randomUUID() };
  await query(url, `insert into operator (id, name, created_at) values ($1, 'Workways', now())`, [ids.operator]);
  await query(url, `insert into organization (id, operator_id, name, brand_color, created_at) values ($2, $1, 'Acme', '#1d4ed8', now()), ($3, $1, 'Beta', '#1d4ed8', now())`, [ids.operator, ids.acme, ids.beta]);
  await query(url, `insert into site (id, operator_id, name, time_zone, access_list_version, created_at) values ($1, $2, 'HQ', 'Europe/Paris', 7, now())`, [ids.site, ids.operator]);
  await query(url, `insert into company_site (organization_id, site_id, granted_at) values ($1, $3, now()), ($2, $3, now())`, [ids.acme, ids.beta, ids.site]);
  await query(url, `insert into door_controller (id, site_id, name, secret_ciphertext, created_at) values ($1, $2, 'Front door', 'x', now())`, [ids.door, ids.site]);

  await migrate(orm);
  const zones = await query<{ id: string; name: string; common: boolean }>(url, 'select id, name, common from zone where site_id = $1', [ids.site]);
  t.deepEqual(zones.rows.map((z) => [z.name, z.common]), [['Entrance and common areas', true]]);
  const door = await query<{ zone_id: string; access_list_version: number }>(url, 'select zone_id, access_list_version from door_controller where id = $1', [ids.door]);
  t.is(door.rows[0]!.zone_id, zones.rows[0]!.id);
  t.true(door.rows[0]!.access_list_version > 7, 'the list changed shape: no controller keeps its cached ETag');
  const grants = await query<{ organization_id: string }>(url, 'select organization_id from zone_grant where zone_id = $1 and schedule is null order by organization_id', [zones.rows[0]!.id]);
  t.deepEqual(grants.rows.map((g) => g.organization_id), [ids.acme, ids.beta].sort());
});

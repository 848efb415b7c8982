import { randomBytes, randomUUID } from 'node:crypto';
import type { Scope } from './scope.ts';
import pg from 'pg';
import { migrate, openOrm, type Orm } from '../../db/orm.ts';
import { ensureDatabase } from '../../services/embedded-postgres.ts';
import { testEnv } from './env.ts';

/** A new empty database on the shared server, so test files never see each other's rows. */
export async function createEmptyDatabase(): Promise<string> {
  const name = `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await ensureDatabase(testEnv.postgresUrl, name);
  const url = new URL(testEnv.postgresUrl);
  url.pathname = `/${name}`;
  return url.href;
}

/** A fresh database with the committed migrations applied, and an ORM on it closed after the test file. */
export async function migratedOrm(t: Scope): Promise<{ orm: Orm; url: string }> {
  const url = await createEmptyDatabase();
  const orm = await openOrm(url, { poolMax: 4 });
  t.teardown(() => orm.close());
  await migrate(orm);
  return { orm, url };
}

export async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query<R>(sql, params);
  } finally {
    await client.end();
  }
}

/** A member written straight into the database (no lifecycle), waiting for a card. */
export async function insertMember(
  url: string,
  at: { companyId: string; siteId: string },
  options: { locale?: 'fr' | 'en'; name?: string } = {},
): Promise<{ memberId: string; email: string }> {
  const email = `m-${randomBytes(4).toString('hex')}@acme.test`;
  const { rows } = await query<{ id: string }>(
    url,
    `insert into member (id, organization_id, site_id, email, name, role, locale, status, created_at, updated_at)
     values (gen_random_uuid(), $1, $2, $3, $4, 'user', $5, 'awaiting_card', now(), now()) returning id`,
    [at.companyId, at.siteId, email, options.name ?? 'Test Member', options.locale ?? 'en'],
  );
  return { memberId: rows[0]!.id, email };
}

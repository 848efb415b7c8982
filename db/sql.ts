// Two SQL pieces every write through Kysely needs (db/orm.ts types the queries themselves).
import { sql, type RawBuilder } from 'kysely';

/** The database's clock: every timestamp of one transaction reads the same time. */
export const dbNow = sql<Date>`now()`;

/**
 * A value for a jsonb column, sent as JSON text and cast by PostgreSQL: the driver would send a
 * JS array as a PostgreSQL array, and a string as text.
 */
export const jsonb = <T>(value: unknown): RawBuilder<T> => sql<T>`cast(${JSON.stringify(value)} as jsonb)`;

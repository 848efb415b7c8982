import pg from 'pg';

/** Connects once to `url`; resolves to the error when the server does not answer, else undefined. */
export async function probeDatabase(url: string, timeoutMs = 5000): Promise<Error | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    await client.end().catch(() => {});
  }
}

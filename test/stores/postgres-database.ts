import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { describe } from 'vitest';

/** The database the PostgreSQL tests use; they create and drop their own schemas in it. */
export const POSTGRES_URL =
  process.env.EES_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why no PostgreSQL answers at `POSTGRES_URL`; `undefined` when one does. */
async function probe(): Promise<string | undefined> {
  const client = new Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unavailable = await probe();
if (unavailable !== undefined) {
  const message = `PostgreSQL at ${POSTGRES_URL} does not answer (${unavailable}); set EES_TEST_POSTGRES_URL to run the PostgreSQL store tests.`;
  // In CI a missing database is a broken pipeline, not a reason to pass quietly.
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`Skipping: ${message}`);
}

/** `describe`, skipped (with the message above) when no PostgreSQL answers. */
export const describePostgres: ReturnType<typeof describe.skipIf> = describe.skipIf(
  unavailable !== undefined,
);

/** A schema name no other test run uses. */
export const uniqueSchema = (prefix = 'ees_test'): string =>
  `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;

/** Runs `work` on a plain connection of its own, as an administrator would. */
export async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: POSTGRES_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drops schemas the tests created, with everything in them. */
export const dropSchemas = (...schemas: readonly string[]): Promise<void> =>
  withAdmin(async (client) => {
    for (const schema of schemas) {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, StoreOpenError } from '../../src/runtime/errors.js';
import { openStore } from '../../src/runtime/stores.js';
import {
  POSTGRES_URL,
  describePostgres,
  dropSchemas,
  uniqueSchema,
  withAdmin,
} from '../stores/postgres-database.js';
import { closedPort } from '../setup/ports.js';

/** Whatever `openStore` rejects with. */
async function failure(url: string): Promise<Error> {
  const error: unknown = await openStore(url).then(
    async (store) => {
      await store.close();
      throw new Error(`${url} opened`);
    },
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('not an Error');
  return error;
}

/** `POSTGRES_URL` with a password and extra query parameters. */
function databaseUrl(parameters: Record<string, string>, scheme = 'postgres:'): string {
  const url = new URL(POSTGRES_URL);
  url.password = 'hunter2';
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return url.toString().replace(/^[a-z]+:/, scheme);
}

describe('openStore with a PostgreSQL URL', () => {
  it.each([
    [{ pool_size: '0' }, /"pool_size" must be an integer of at least 1, not "0"/],
    [{ schema: 'no-dashes' }, /Invalid PostgreSQL schema name "no-dashes"/],
  ])('rejects %j as a configuration error, without the password', async (parameters, reason) => {
    const error = await failure(databaseUrl(parameters));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^invalid database URL "postgres:\/\/postgres:\*\*\*@/);
    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('\n');
  });

  it('reports an unreachable database in one line naming host and port, without the password', async () => {
    const port = await closedPort();
    const error = await failure(`postgresql://ees:hunter2@127.0.0.1:${port}/ees?schema=x`);
    expect(error).toBeInstanceOf(StoreOpenError);
    expect(error.message).toBe(
      `cannot open database URL "postgresql://ees:***@127.0.0.1:${port}/ees?schema=x": Cannot connect to PostgreSQL at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});

describePostgres('openStore on PostgreSQL', () => {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(...schemas));

  it.each(['postgres:', 'postgresql:'])(
    'opens %s URLs in the schema and with the pool size they name',
    async (scheme) => {
      const schema = uniqueSchema('ees_runtime');
      schemas.push(schema);
      const applicationName = `${schema}_app`;
      const store = await openStore(
        databaseUrl({ schema, pool_size: '2', application_name: applicationName }, scheme),
      );
      try {
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            store.commit({
              streamId: `s${i}`,
              expectation: { kind: 'changeset', lastChangesetId: 0 },
              events: [{ i }],
              metadata: {},
            }),
          ),
        );
        expect(results.map((r) => r.status)).toEqual(Array(6).fill('committed'));
        const seen = await withAdmin(async (client) => {
          const tables = await client.query(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'changesets'",
            [schema],
          );
          const sessions = await client.query(
            'SELECT 1 FROM pg_stat_activity WHERE application_name = $1',
            [applicationName],
          );
          return { tables: tables.rowCount, sessions: sessions.rowCount };
        });
        // The unknown parameter reached node-postgres; the pool never exceeded its size (2),
        // beside the one connection that LISTENs for other instances' changes.
        expect(seen.tables).toBe(1);
        expect(seen.sessions).toBeGreaterThan(0);
        expect(seen.sessions).toBeLessThanOrEqual(2 + 1);
      } finally {
        await store.close();
      }
    },
  );
});

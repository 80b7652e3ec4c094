import { Client, Pool, TypeOverrides } from 'pg';
import { describeFailure } from './postgres-errors.js';

export interface PoolSettings {
  readonly connectionString: string;
  readonly poolSize: number;
  readonly connectionTimeoutMs: number;
  readonly queryTimeoutMs: number;
}

const INT8_OID = 20;

/**
 * `bigint` columns (checkpoints, event ids, `count(*)`) as JavaScript numbers. node-postgres
 * returns them as strings because they may exceed 2^53; ours stay far below (2^53 changesets or
 * events in one stream will not happen), and the port's types are numbers.
 */
const TYPES = new TypeOverrides();
TYPES.setTypeParser(INT8_OID, Number);

const READ_COMMITTED = "SET default_transaction_isolation = 'read committed'";

/** `host:port` the connection string points at, with node-postgres' defaults (`PGHOST`...). */
export function describeTarget(connectionString: string): string {
  try {
    const client = new Client({ connectionString });
    return `${client.host}:${client.port}`;
  } catch {
    // A connection string node-postgres cannot parse; connecting reports why.
    return 'the configured server';
  }
}

/**
 * The store's connection pool. Settings that keep failures prompt and contained:
 * - `connectionTimeoutMillis`: waiting for a connection (a dead host, a full pool) ends in an
 *   error instead of a hang;
 * - `query_timeout`: a statement on a connection whose peer vanished without a reset (a cut
 *   network) fails instead of waiting for TCP to give up, which can take many minutes;
 *   `keepAlive` lets idle connections notice the same;
 * - every session READ COMMITTED, whatever the database's or role's default: the commit's
 *   correctness argument (a conflicting insert waits, then does nothing; the next statement sees
 *   the winner) holds at that level. Under REPEATABLE READ or SERIALIZABLE the loser of a race
 *   would get a serialization failure instead of a conflict;
 * - an `'error'` listener: a connection dying while idle in the pool (a database restart)
 *   would otherwise be an unhandled `'error'` event and end the process. The pool drops that
 *   connection and opens a new one when next needed, so the store recovers by itself.
 */
export function createPool(settings: PoolSettings): Pool {
  const pool = new Pool({
    connectionString: settings.connectionString,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectionTimeoutMs,
    query_timeout: settings.queryTimeoutMs,
    keepAlive: true,
    // Names the store's sessions in pg_stat_activity unless the connection string names them.
    fallback_application_name: 'elastic-event-store',
    types: TYPES,
    // pg-pool awaits this hook before handing the connection out; its type says `void`.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    onConnect: async (client) => {
      await client.query(READ_COMMITTED);
    },
  });
  pool.on('error', () => {
    // The pool has already discarded the connection; the next request opens a fresh one.
  });
  return pool;
}

/**
 * Opens one connection to prove the database answers, so a wrong URL or a stopped server is
 * reported at start-up, in one line naming where it looked, rather than on the first request.
 * Ends the pool when it fails.
 */
export async function verifyConnection(pool: Pool, connectionString: string): Promise<void> {
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end();
    throw new Error(
      `Cannot connect to PostgreSQL at ${describeTarget(connectionString)}: ${describeFailure(error)}`,
      { cause: error },
    );
  }
}

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

/**
 * How much longer the driver waits for an answer than the database lets a statement run: the
 * database's own cancellation comes first, and the driver's timeout only ends the wait on a
 * connection that can no longer answer at all.
 */
export const QUERY_TIMEOUT_GRACE_MS = 1000;

/** What every session of the pool is set to on connecting (see `createPool`). */
const sessionSettings = (statementTimeoutMs: number): string =>
  `SET default_transaction_isolation = 'read committed'; SET statement_timeout = ${statementTimeoutMs}`;

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
 * - `statement_timeout` (`queryTimeoutMs`): the database cancels a statement that runs longer
 *   (one waiting for a lock, say). Its transaction is then rolled back, so a commit answered 503
 *   for it wrote nothing, and its connection is free again at once. A timeout on the client
 *   side alone would leave the statement running, to commit later, on a connection that the
 *   pool has replaced, so more than `poolSize` connections would be in use;
 * - `query_timeout` (`QUERY_TIMEOUT_GRACE_MS` later): a statement on a connection whose peer
 *   vanished without a reset (a cut network) fails instead of waiting for TCP to give up,
 *   which can take many minutes; `keepAlive` lets idle connections notice the same;
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
    query_timeout: settings.queryTimeoutMs + QUERY_TIMEOUT_GRACE_MS,
    keepAlive: true,
    // Names the store's sessions in pg_stat_activity unless the connection string names them.
    fallback_application_name: 'elastic-event-store',
    types: TYPES,
    // pg-pool awaits this hook before handing the connection out; its type says `void`.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    onConnect: async (client) => {
      await client.query(sessionSettings(settings.queryTimeoutMs));
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

import type { Pool, PoolClient } from 'pg';
import { isConnectionError } from './postgres-errors.js';

/**
 * Runs `work` inside one transaction on a connection of its own, committing when it resolves
 * and rolling back when it rejects.
 *
 * While a connection is checked out of the pool, nobody listens for its `'error'` event, and a
 * connection dying between two statements would raise an unhandled `'error'` and end the process.
 * A listener is attached for the duration; a connection that failed in any way is released with
 * the error, so the pool discards it instead of handing a broken session to the next caller.
 */
export async function withTransaction<T>(
  pool: Pool,
  begin: string,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let failure: unknown;
  const onError = (error: unknown): void => {
    failure ??= error;
  };
  client.on('error', onError);
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    failure ??= error;
    // On a broken connection a ROLLBACK would only wait for its own timeout; closing the
    // connection (release with an error) makes the server roll back anyway.
    if (!isConnectionError(failure)) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(failure !== undefined);
  }
}

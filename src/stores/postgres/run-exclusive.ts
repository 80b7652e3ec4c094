import type { Pool } from 'pg';
import { leaseLock, lockArguments } from './advisory-locks.js';
import type { SchemaName } from './schema-name.js';

/**
 * A lease across instances: a session-level advisory lock held on one pooled connection for
 * as long as the work runs. If the instance dies, its connection closes and PostgreSQL
 * releases the lock, so another instance takes the job over on its next try.
 */
export function prepareRunExclusive(
  pool: Pool,
  schema: SchemaName,
): <T>(name: string, work: () => Promise<T>) => Promise<T | undefined> {
  return async (name, work) => {
    const lock = lockArguments(leaseLock(schema, name));
    const client = await pool.connect();
    let broken = false;
    const onError = (): void => {
      broken = true;
    };
    client.on('error', onError);
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_lock(${lock}) AS locked`,
      );
      if (rows[0]?.locked !== true) return undefined;
      try {
        return await work();
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${lock})`).catch(() => {
          broken = true;
        });
      }
    } finally {
      client.removeListener('error', onError);
      // A connection that may still hold the lock is closed rather than reused.
      client.release(broken);
    }
  };
}

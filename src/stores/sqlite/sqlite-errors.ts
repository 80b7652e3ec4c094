import Database from 'better-sqlite3';
import { errors } from '../../core/index.js';

/**
 * Whether SQLite gave up waiting for a lock another connection holds (after the busy timeout,
 * or at once where SQLite cannot wait, e.g. while switching journal mode). Extended codes such
 * as `SQLITE_BUSY_SNAPSHOT` count too.
 */
export const isBusy = (error: unknown): boolean =>
  error instanceof Database.SqliteError &&
  (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED'));

/**
 * Maps driver errors onto the core's error: a lock that stayed taken for the whole busy timeout
 * is a transient condition the client may retry, not an internal failure. Nothing was written,
 * because the transaction that hit it rolled back.
 */
export const toStoreError = (error: unknown): unknown =>
  isBusy(error) ? errors.storeUnavailable(error) : error;

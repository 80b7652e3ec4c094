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
 * Whether SQLite could not write the file for a reason outside the store, that the operator
 * can remove and a retry then get past: a full disk (`SQLITE_FULL`), an I/O error such as a
 * file size limit (`SQLITE_IOERR_*`), a file or file system that became read-only.
 */
const isUnwritable = (error: unknown): boolean =>
  error instanceof Database.SqliteError &&
  (error.code === 'SQLITE_FULL' ||
    error.code.startsWith('SQLITE_IOERR') ||
    error.code.startsWith('SQLITE_READONLY'));

/**
 * Maps driver errors onto the core's error: a lock that stayed taken for the whole busy timeout,
 * or a file that cannot be written just now, is a condition the client may retry, not an
 * internal failure (503 `STORE_UNAVAILABLE`, reported in the server's log). Nothing was
 * written, because the transaction that hit it rolled back.
 */
export const toStoreError = (error: unknown): unknown =>
  isBusy(error) || isUnwritable(error) ? errors.storeUnavailable(error) : error;

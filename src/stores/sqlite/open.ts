import Database from 'better-sqlite3';
import { setTimeout as pause } from 'node:timers/promises';
import { isBusy } from './sqlite-errors.js';

export type Synchronous = 'FULL' | 'NORMAL' | 'EXTRA';

const SYNCHRONOUS: readonly Synchronous[] = ['FULL', 'NORMAL', 'EXTRA'];

/**
 * How long a connection waits for another connection's lock before giving up. Writers hold the
 * lock only for one commit, so waiting is almost always right; failing fast would turn every
 * overlap of two writers into an error.
 */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * The busy timeout of the connection that serves requests, once open. SQLite waits out a lock
 * inside the call, and better-sqlite3 calls on the event loop: with `BUSY_TIMEOUT_MS` there,
 * another process holding the write lock would freeze every request, health checks included,
 * five seconds at a time. So that connection waits only this long, and group commit tries a
 * refused batch again every few milliseconds, the event loop running in between, until
 * `BUSY_TIMEOUT_MS` have passed.
 */
export const SERVING_BUSY_TIMEOUT_MS = 10;

/** How long to wait before trying again when another connection holds the write lock. */
export const BUSY_RETRY_EVERY_MS = 10;

/**
 * Runs one write on the serving connection, trying again every `BUSY_RETRY_EVERY_MS` while
 * another connection (another process on the file) holds the write lock, the event loop
 * running in between, for up to `BUSY_TIMEOUT_MS`; then it throws SQLite's busy error.
 */
export async function writeWhenUnlocked<T>(write: () => T): Promise<T> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      return write();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    }
    await pause(BUSY_RETRY_EVERY_MS);
  }
}

export const isInMemory = (filename: string): boolean => filename === ':memory:' || filename === '';

/** Blocks the thread: the store's work is synchronous by design (better-sqlite3). */
const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Retries `work` while SQLite reports a lock, until the busy timeout has passed. Needed for the
 * switch to WAL: SQLite does not call the busy handler there, so two processes creating one
 * file at the same moment would otherwise fail instead of waiting for each other.
 */
function retryWhileBusy<T>(work: () => T): T {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      return work();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      sleep(25);
    }
  }
}

/**
 * Opens a connection configured for the store's guarantees:
 * - WAL, so readers never block the writer nor the writer the readers, and a commit is one
 *   append to the log;
 * - `synchronous` (default `FULL`): in WAL mode `NORMAL` may lose the last commits on power
 *   loss, and the store must not acknowledge a commit it can lose;
 * - a busy timeout, so connections sharing the file wait for each other's locks.
 *
 * Throws, closing the connection, when any of this fails.
 */
export function openDatabase(
  filename: string,
  synchronous: Synchronous = 'FULL',
): Database.Database {
  // Interpolated into a PRAGMA below: accept only the documented values.
  if (!SYNCHRONOUS.includes(synchronous)) {
    throw new Error(
      `Invalid SQLite synchronous setting "${synchronous}"; expected one of ${SYNCHRONOUS.join(', ')}.`,
    );
  }
  const db = new Database(filename, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!isInMemory(filename)) {
      const mode = retryWhileBusy(() => db.pragma('journal_mode = WAL', { simple: true }));
      if (mode !== 'wal') {
        throw new Error(`SQLite could not switch to WAL journal mode (got "${String(mode)}").`);
      }
    }
    db.pragma(`synchronous = ${synchronous}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

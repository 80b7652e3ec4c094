import type { Database } from 'better-sqlite3';
import type { EventStore, StoreCapabilities } from '../../core/index.js';
import { createChangeListeners } from '../../core/index.js';
import { startCheckpointer } from './checkpointer.js';
import { prepareCommit } from './commit.js';
import type { GroupCommitOptions } from './group-commit.js';
import { createGroupCommit } from './group-commit.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Synchronous } from './open.js';
import {
  BUSY_RETRY_EVERY_MS,
  BUSY_TIMEOUT_MS,
  SERVING_BUSY_TIMEOUT_MS,
  isInMemory,
  openDatabase,
  writeWhenUnlocked,
} from './open.js';
import { prepareReadProjection, prepareWriteProjection } from './projections.js';
import { prepareReadChangesets } from './read-changesets.js';
import { prepareReadEvents } from './read-events.js';
import { prepareAppendInOrder } from './append-in-order.js';
import { prepareReadGlobal } from './read-global.js';
import { isBusy, toStoreError } from './sqlite-errors.js';

export interface SqliteStoreOptions {
  /** The database file's path, or `':memory:'` for a private, throwaway database. */
  readonly filename: string;
  /**
   * `PRAGMA synchronous`. Defaults to `'FULL'`, so an acknowledged commit survives power loss;
   * `'NORMAL'` trades the last commits before a power loss for faster commits.
   */
  readonly synchronous?: Synchronous;
  /** The commit clock; tests pin it. Defaults to the system clock. */
  readonly clock?: () => Date;
  /** Group commit: how many concurrent commits may share one transaction (and one fsync). */
  readonly groupCommit?: GroupCommitOptions;
  /**
   * How often a background thread copies the write-ahead log into the database file, in
   * milliseconds. Default 1000. Commits never do it themselves (see `checkpointer.ts`).
   */
  readonly walCheckpointIntervalMs?: number;
  /**
   * Pages of write-ahead log past which the checkpointer empties it (`TRUNCATE`), briefly
   * holding commits back. Default 16384 (64 MiB with 4 KiB pages). Without it, steady reads
   * and writes keep SQLite from ever starting the log over, and the file grows without bound.
   */
  readonly walMaxPages?: number;
}

/**
 * Checkpoints are assigned inside the commit's transaction. Several connections, even several
 * processes on one host, may share the file safely, but SQLite is not a server: serving one
 * store from several machines is not supported.
 */
const CAPABILITIES: StoreCapabilities = {
  checkpointsAtCommit: true,
  sharedAcrossProcesses: false,
  // Group commit writes the waiting commits in the order they came, one after another.
  checkpointsInCallOrder: true,
};

/**
 * Runs synchronous driver work behind the async port: a thrown error becomes a rejection (so
 * callers see one failure path), with lock timeouts mapped to the core's retryable error.
 */
const settle = <T>(work: () => T): Promise<T> =>
  new Promise<T>((resolve) => {
    try {
      resolve(work());
    } catch (error) {
      throw toStoreError(error);
    }
  });

const failure = (action: string, filename: string, error: unknown): Error =>
  new Error(
    `Cannot ${action} the SQLite event store "${filename}": ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );

/** A connection whose schema is current; on failure nothing stays open. */
function openMigrated(
  filename: string,
  synchronous: Synchronous | undefined,
  clock: () => Date,
): Database {
  let db: Database;
  try {
    db = openDatabase(filename, synchronous);
  } catch (error) {
    throw failure('open', filename, error);
  }
  try {
    migrate(db, MIGRATIONS, clock);
    db.pragma(`busy_timeout = ${SERVING_BUSY_TIMEOUT_MS}`);
  } catch (error) {
    db.close();
    throw failure('migrate', filename, error);
  }
  return db;
}

/**
 * The embedded store: one SQLite file (WAL), schema migrated on open, every statement prepared
 * once. Opening is synchronous and throws when the file cannot be opened or migrated.
 *
 * @example
 * ```ts
 * const store = openSqliteStore({ filename: 'data/events.sqlite' });
 * await store.commit({ streamId: 'order-1', expectation: NEW_STREAM, events: [{ type: 'placed' }], metadata: {} });
 * await store.close();
 * ```
 */
export function openSqliteStore(options: SqliteStoreOptions): EventStore {
  const clock = options.clock ?? (() => new Date());
  const database = openMigrated(options.filename, options.synchronous, clock);
  // Commits by other processes sharing the file are not seen here; subscribers poll for those.
  const changes = createChangeListeners();
  const groupCommit = createGroupCommit(prepareCommit(database, clock), {
    maxBatch: options.groupCommit?.maxBatch,
    toStoreError,
    onCommitted: changes.notify,
    busyRetry: { isBusy, forMs: BUSY_TIMEOUT_MS, everyMs: BUSY_RETRY_EVERY_MS },
  });
  const readChangesets = prepareReadChangesets(database);
  const readEvents = prepareReadEvents(database);
  const readGlobal = prepareReadGlobal(database);
  const appendInOrder = prepareAppendInOrder(database);
  const readProjection = prepareReadProjection(database);
  const writeProjection = prepareWriteProjection(database);
  const checkpointer = isInMemory(options.filename)
    ? undefined
    : startCheckpointer(
        database,
        options.filename,
        options.walCheckpointIntervalMs,
        options.walMaxPages,
      );
  let closing: Promise<void> | undefined;

  return {
    capabilities: CAPABILITIES,
    commit: groupCommit.commit,
    readChangesets: (streamId, range, maxBytes) =>
      settle(() => readChangesets(streamId, range, maxBytes)),
    readEvents: (streamId, range, maxBytes) => settle(() => readEvents(streamId, range, maxBytes)),
    readGlobal: (checkpoint, limit, maxBytes) =>
      settle(() => readGlobal.read(checkpoint, limit, maxBytes)),
    readGlobalText: (checkpoint, limit, maxBytes) =>
      settle(() => readGlobal.readText(checkpoint, limit, maxBytes)),
    appendInOrder: async (changesets) => {
      const appended = await appendInOrder(changesets);
      if (appended && changesets.length > 0) {
        changes.notify([...new Set(changesets.map((changeset) => changeset.streamId))]);
      }
      return appended;
    },
    readProjection: (name) => settle(() => readProjection(name)),
    // Another process on the file may hold the write lock for a while (its commits' fsync).
    writeProjection: async (name, next, previous) => {
      try {
        return await writeWhenUnlocked(() => writeProjection(name, next, previous));
      } catch (error) {
        throw toStoreError(error);
      }
    },
    watch: changes.watch,
    // SQLite checkpoints the WAL into the database file when its last connection closes.
    close: () =>
      (closing ??= (async () => {
        if (database.open) groupCommit.flush();
        await checkpointer?.stop();
        if (database.open) database.close();
      })()),
  };
}

import type { ChangeListener, Changeset, EventStore, StoreCapabilities } from '../../core/index.js';
import { createChangeListeners } from '../../core/index.js';
import { changesChannel } from './advisory-locks.js';
import { prepareCommit } from './commit.js';
import { createPool, describeTarget, verifyConnection } from './connect.js';
import { createGlobalIndexer } from './global-indexer.js';
import { prepareIndexPass } from './indexer.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { listenForChanges } from './notifications.js';
import { describeFailure, toStoreError } from './postgres-errors.js';
import { prepareAppendInOrder } from './append-in-order.js';
import { prepareRunExclusive } from './run-exclusive.js';
import { prepareReadProjection, prepareWriteProjection } from './projections.js';
import { prepareReadChangesets } from './read-changesets.js';
import { prepareReadEvents } from './read-events.js';
import { prepareReadGlobal } from './read-global.js';
import { schemaName } from './schema-name.js';

export interface PostgresStoreOptions {
  /** A libpq-style URL, `postgres://user:password@host:5432/database?sslmode=...`. */
  readonly connectionString: string;
  /** The PostgreSQL schema holding the store's tables, created if missing. Default `'ees'`. */
  readonly schema?: string;
  /**
   * Most connections this instance opens. Default 10. Several instances share the database's
   * `max_connections`: keep `instances × poolSize` (plus one each for migrations at start-up)
   * below it.
   */
  readonly poolSize?: number;
  /**
   * Whether to create the schema when it does not exist. Default `true`. With `false` a missing
   * schema fails the opening, as when the store is only to be read (`ees copy --from`), where a
   * misspelt schema name must not leave an empty schema behind.
   */
  readonly create?: boolean;
  /** The commit clock; tests pin it. Defaults to the system clock. */
  readonly clock?: () => Date;
  readonly indexer?: {
    /** Most checkpoints one indexer transaction assigns. Default 1000. */
    readonly batchSize?: number;
    /**
     * How often to look for commits made by other instances, in milliseconds. Default 100.
     * Local commits are indexed soon after they are acknowledged (see `minPassIntervalMs`);
     * another instance's commit reaches the enumeration within about this interval.
     */
    readonly pollIntervalMs?: number;
    /**
     * Least time between two passes after local commits, in milliseconds. Default 10. A commit
     * made when no pass ran for that long is indexed at once; under load, the commits of each
     * interval are indexed together, which costs the database far less than a pass per commit.
     */
    readonly minPassIntervalMs?: number;
  };
  readonly commits?: {
    /**
     * Most commit statements this instance runs at once. Default 2. Commits that arrive while
     * that many run wait and are then written together, in one statement and one transaction
     * (each with its own expectation and outcome), so batches form under load by themselves and
     * an idle store adds no wait. Keep it below `poolSize`: reads and the indexer need
     * connections too.
     */
    readonly maxInFlight?: number;
    /** Most commits one statement writes. Default 64. */
    readonly maxBatch?: number;
  };
  /**
   * How long to wait for a connection (to open one, or for a free one in a busy pool) before
   * failing with `STORE_UNAVAILABLE`, in milliseconds. Default 5000.
   */
  readonly connectionTimeoutMs?: number;
  /**
   * How long one statement may go without an answer before it fails with `STORE_UNAVAILABLE`,
   * in milliseconds. Default 10000. This is what turns a silently cut network into a prompt
   * error rather than a request hanging until TCP gives up.
   */
  readonly queryTimeoutMs?: number;
}

/** The PostgreSQL store: the port, plus a way to make the global enumeration catch up now. */
export interface PostgresStore extends EventStore {
  /**
   * Runs the indexer until every commit acknowledged before the call has its checkpoint,
   * waiting for another instance's pass if one is running. Resolves with how many checkpoints
   * this call assigned. The store indexes on its own; tests and tools call this to not wait.
   */
  indexNow(): Promise<number>;
  /** Always present here: local commits, indexer passes and other instances' NOTIFYs. */
  watch(listener: ChangeListener): () => void;
  /** Always present here: a page of changesets in one transaction. */
  appendInOrder(changesets: readonly Changeset[]): Promise<boolean>;
  /** Always present here: a session advisory lock (see `run-exclusive.ts`). */
  runExclusive<T>(name: string, work: () => Promise<T>): Promise<T | undefined>;
}

/**
 * Checkpoints are assigned by the indexer after the commit, so the global enumeration trails
 * commits slightly; many instances may serve one database.
 */
const CAPABILITIES: StoreCapabilities = {
  checkpointsAtCommit: false,
  sharedAcrossProcesses: true,
  // Concurrent commits share statements, sorted by stream, and two statements run at once.
  checkpointsInCallOrder: false,
};

const DEFAULTS = {
  schema: 'ees',
  poolSize: 10,
  batchSize: 1000,
  pollIntervalMs: 100,
  minPassIntervalMs: 10,
  maxInFlight: 2,
  maxBatch: 64,
  connectionTimeoutMs: 5000,
  queryTimeoutMs: 10_000,
} as const;

const positiveInteger = (name: string, value: number): number => {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`Invalid PostgreSQL store option ${name}: ${value} (expected an integer ≥ 1)`);
  }
  return value;
};

/** Runs a driver call behind the port, with an unreachable database mapped to a 503. */
const guard = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw toStoreError(error);
  }
};

/**
 * Opens the PostgreSQL store: connects (failing fast, in one line naming host and port, when
 * the database does not answer), creates and migrates the schema, and starts the indexer that
 * gives committed changesets their checkpoints.
 *
 * A commit is one row of an insert statement, which concurrent commits share (see `commit.ts`).
 * Checkpoints come from an ordered indexer (see `indexer.ts`), so the global enumeration has no
 * gaps even with many writers on many instances.
 *
 * @example
 * ```ts
 * const store = await openPostgresStore({ connectionString: 'postgres://ees@db.internal/ees' });
 * await store.commit({ streamId: 'order-1', expectation: NEW_STREAM, events: [{ type: 'placed' }], metadata: {} });
 * await store.close();
 * ```
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = schemaName(options.schema ?? DEFAULTS.schema);
  const clock = options.clock ?? (() => new Date());
  const batchSize = positiveInteger(
    'indexer.batchSize',
    options.indexer?.batchSize ?? DEFAULTS.batchSize,
  );
  const pollIntervalMs = positiveInteger(
    'indexer.pollIntervalMs',
    options.indexer?.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
  );
  const queryTimeoutMs = positiveInteger(
    'queryTimeoutMs',
    options.queryTimeoutMs ?? DEFAULTS.queryTimeoutMs,
  );
  const pool = createPool({
    connectionString: options.connectionString,
    poolSize: positiveInteger('poolSize', options.poolSize ?? DEFAULTS.poolSize),
    connectionTimeoutMs: positiveInteger(
      'connectionTimeoutMs',
      options.connectionTimeoutMs ?? DEFAULTS.connectionTimeoutMs,
    ),
    queryTimeoutMs,
  });

  await verifyConnection(pool, options.connectionString);
  try {
    await migrate(pool, schema, MIGRATIONS, { create: options.create ?? true });
  } catch (error) {
    await pool.end();
    throw new Error(
      `Cannot migrate the PostgreSQL event store schema "${schema.name}" at ${describeTarget(options.connectionString)}: ${describeFailure(error)}`,
      { cause: error },
    );
  }

  const commit = prepareCommit(pool, schema, clock, {
    maxInFlight: positiveInteger(
      'commits.maxInFlight',
      options.commits?.maxInFlight ?? DEFAULTS.maxInFlight,
    ),
    maxBatch: positiveInteger('commits.maxBatch', options.commits?.maxBatch ?? DEFAULTS.maxBatch),
    maxWaitMs: queryTimeoutMs,
  });
  const readChangesets = prepareReadChangesets(pool, schema);
  const readEvents = prepareReadEvents(pool, schema);
  const readGlobal = prepareReadGlobal(pool, schema);
  const readProjection = prepareReadProjection(pool, schema);
  const writeProjection = prepareWriteProjection(pool, schema);
  const runExclusive = prepareRunExclusive(pool, schema);
  const appendInOrder = prepareAppendInOrder(pool, schema);
  // Three kinds of wake-up: a local commit is readable in its stream at once; the enumeration
  // grows when an indexer pass assigns checkpoints, which this instance's passes report, other
  // instances' passes announce with NOTIFY, and the poll notices within `pollIntervalMs`.
  const changes = createChangeListeners();
  const indexer = createGlobalIndexer({
    pass: prepareIndexPass(pool, schema, batchSize),
    batchSize,
    pollIntervalMs,
    minPassIntervalMs: positiveInteger(
      'indexer.minPassIntervalMs',
      options.indexer?.minPassIntervalMs ?? DEFAULTS.minPassIntervalMs,
    ),
    onAdvance: changes.notify,
  });
  // Whatever an earlier run committed but did not index.
  indexer.kick();
  const listener = listenForChanges({
    connectionString: options.connectionString,
    channel: changesChannel(schema),
    onChange: changes.notify,
  });
  // Listening before the store is handed out means no other instance's change is missed by a
  // watcher registered right after opening. A failed first attempt only delays wake-ups.
  await listener.ready;

  let closing: Promise<void> | undefined;

  return {
    capabilities: CAPABILITIES,
    commit: (request) =>
      guard(async () => {
        const result = await commit(request);
        if (result.status === 'committed') {
          changes.notify([request.streamId]);
          indexer.kick();
        }
        return result;
      }),
    readChangesets: (streamId, range, maxBytes) =>
      guard(() => readChangesets(streamId, range, maxBytes)),
    readEvents: (streamId, range, maxBytes) => guard(() => readEvents(streamId, range, maxBytes)),
    readGlobal: (checkpoint, limit, maxBytes) =>
      guard(() => readGlobal.read(checkpoint, limit, maxBytes)),
    readGlobalText: (checkpoint, limit, maxBytes) =>
      guard(() => readGlobal.readText(checkpoint, limit, maxBytes)),
    appendInOrder: (changesets) =>
      guard(async () => {
        const appended = await appendInOrder(changesets);
        if (appended && changesets.length > 0) {
          changes.notify([...new Set(changesets.map((changeset) => changeset.streamId))]);
          indexer.kick();
        }
        return appended;
      }),
    readProjection: (name) => guard(() => readProjection(name)),
    writeProjection: (name, next, previous) => guard(() => writeProjection(name, next, previous)),
    watch: changes.watch,
    runExclusive: (name, work) => guard(() => runExclusive(name, work)),
    indexNow: () => guard(() => indexer.indexNow()),
    close: () =>
      (closing ??= (async () => {
        await listener.close();
        await indexer.stop();
        await pool.end();
      })()),
  };
}

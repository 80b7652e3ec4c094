import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { EventStore, StoreCapabilities } from '../../core/index.js';
import { createChangeListeners } from '../../core/index.js';
import { runPeriodically } from '../../scheduling/periodic.js';
import { readCheckpointCounter } from './checkpoint-counter.js';
import { createDynamoDbClient, streamsClientLike } from './client.js';
import { prepareCommit } from './commit.js';
import { ensureTable } from './create-table.js';
import { guarded } from './dynamodb-errors.js';
import { HeadCache } from './head-cache.js';
import { indexStreamRecords } from './indexer.js';
import type { StreamPoller } from './poller.js';
import { createStreamPoller } from './poller.js';
import { readProjection, writeProjection } from './projections.js';
import { readChangesets } from './read-changesets.js';
import { readEvents } from './read-events.js';
import { readEnumerationEntries, readGlobal } from './read-global.js';
import { MAX_STREAM_ID_BYTES, isStorableStreamId } from './schema.js';
import type { Table } from './table.js';

export interface DynamoDbPollerOptions {
  /** Run the stream poller in the background (`ees serve`); off where a Lambda indexes. */
  readonly enabled: boolean;
  /** Pause between the end of one poll and the start of the next. Default 1000 ms. */
  readonly intervalMs?: number;
  /** Told about a failed poll; the next one still runs. Default: `console.error`. */
  readonly onError?: (error: unknown) => void;
}

export interface DynamoDbStoreOptions {
  readonly tableName: string;
  /** A configured client; the store then leaves its lifecycle to the caller. */
  readonly client?: DynamoDBClient;
  /** Region for the client the store creates (default: the SDK's, e.g. AWS_REGION). */
  readonly region?: string;
  /** Endpoint for the client the store creates, e.g. DynamoDB Local's URL. */
  readonly endpoint?: string;
  /** Create the table (on-demand, NEW_IMAGE stream) when it does not exist. Default false. */
  readonly create?: boolean;
  /** The commit clock; tests pin it. Defaults to the system clock. */
  readonly clock?: () => Date;
  /** For the poller; by default one sharing the DynamoDB client's region, credentials, endpoint. */
  readonly streamsClient?: DynamoDBStreamsClient;
  readonly poller?: DynamoDbPollerOptions;
  /** Streams whose heads are remembered for one-request commits. Default 10 000. */
  readonly headCacheSize?: number;
}

/** The DynamoDB store: the storage port, plus a way to run the indexer on demand. */
export interface DynamoDbStore extends EventStore {
  readonly tableName: string;
  /**
   * Reads the table's stream up to its current end, indexes everything pending, and waits until
   * the enumeration index shows every checkpoint assigned so far. Resolves with how many
   * changesets this call indexed. What the conformance suite's `settle` calls.
   */
  indexNow(): Promise<number>;
}

/**
 * Checkpoints are assigned after the commit by the stream-driven indexer, so the enumeration
 * trails commits; any number of processes may serve one table.
 */
export const DYNAMODB_CAPABILITIES: StoreCapabilities = {
  checkpointsAtCommit: false,
  sharedAcrossProcesses: true,
  checkpointsInCallOrder: false,
};

const DEFAULT_POLL_INTERVAL_MS = 1000;

/** How long `indexNow` waits for the (eventually consistent) enumeration index. */
const ENUMERATION_WAIT_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const reportPollError = (error: unknown): void => {
  console.error('DynamoDB stream poller:', error);
};

/**
 * Opens the DynamoDB store on `tableName`, checking (or, with `create`, creating) the table.
 * With `poller.enabled` a background loop feeds the table's stream to the global indexer until
 * `close`; otherwise something else must (a Lambda on the stream, or `indexNow`).
 *
 * @example
 * ```ts
 * const store = await openDynamoDbStore({
 *   tableName: 'events',
 *   endpoint: 'http://127.0.0.1:8000',
 *   region: 'local',
 *   create: true,
 *   poller: { enabled: true },
 * });
 * ```
 */
export async function openDynamoDbStore(options: DynamoDbStoreOptions): Promise<DynamoDbStore> {
  const client =
    options.client ?? createDynamoDbClient({ region: options.region, endpoint: options.endpoint });
  const ownsClient = options.client === undefined;
  const pollerOptions = options.poller ?? { enabled: false };
  let description;
  try {
    description = await ensureTable(client, options.tableName, {
      create: options.create ?? false,
      needsStream: pollerOptions.enabled,
    });
  } catch (error) {
    if (ownsClient) client.destroy();
    throw error;
  }
  const table: Table = { client, tableName: options.tableName };
  const clock = options.clock ?? (() => new Date());
  const commit = prepareCommit(table, new HeadCache(options.headCacheSize), clock);
  const streamArn = description.LatestStreamArn;
  // Wake-ups for push delivery: a commit makes its stream readable at once, the indexer makes
  // changesets reachable in the enumeration. Only what this process does is heard here; other
  // processes' commits reach subscribers through their polling.
  const changes = createChangeListeners();

  let streamsClient = options.streamsClient;
  let poller: StreamPoller | undefined;
  const streamPoller = (): StreamPoller => {
    if (streamArn === undefined) {
      throw new Error(`DynamoDB table "${options.tableName}" has no stream to index from`);
    }
    streamsClient ??= streamsClientLike(client);
    poller ??= createStreamPoller({
      streamsClient,
      streamArn,
      onRecords: async (records) => {
        const { assigned } = await indexStreamRecords(table, records);
        if (assigned.length > 0) changes.notify([...new Set(assigned.map((a) => a.streamId))]);
        return assigned.length;
      },
    });
    return poller;
  };

  /** The checkpoint up to which the enumeration index is known to be gapless. */
  let visible = 0;
  const awaitEnumeration = async (): Promise<void> => {
    const assigned = await readCheckpointCounter(table);
    const deadline = Date.now() + ENUMERATION_WAIT_MS;
    while (visible < assigned) {
      const entries = await readEnumerationEntries(
        table,
        visible,
        Math.min(1000, assigned - visible),
      );
      visible += entries.length;
      if (entries.length > 0) continue;
      if (Date.now() > deadline) {
        throw new Error(`The enumeration index did not show checkpoint ${visible} in time`);
      }
      await sleep(50);
    }
  };

  let closed = false;
  const open = <T>(work: () => Promise<T>): Promise<T> =>
    closed
      ? Promise.reject(new Error(`The DynamoDB event store "${options.tableName}" is closed`))
      : guarded(work);

  // The background loop: one poll at a time, the next `intervalMs` after the previous ended.
  const background = pollerOptions.enabled
    ? runPeriodically(() => streamPoller().poll(), {
        intervalMs: pollerOptions.intervalMs ?? DEFAULT_POLL_INTERVAL_MS,
        onError: pollerOptions.onError ?? reportPollError,
      })
    : undefined;

  return {
    capabilities: DYNAMODB_CAPABILITIES,
    tableName: options.tableName,
    commit: (request) =>
      open(async () => {
        if (!isStorableStreamId(request.streamId)) {
          // The contract has no error code for this yet; a clear 500 beats DynamoDB's own.
          throw new Error(
            `Stream ids are limited to ${MAX_STREAM_ID_BYTES} bytes of UTF-8 on DynamoDB (a partition key)`,
          );
        }
        const result = await commit(request);
        if (result.status === 'committed') changes.notify([request.streamId]);
        return result;
      }),
    // A stream id too long for a DynamoDB key names a stream that cannot exist.
    readChangesets: (streamId, range, maxBytes) =>
      open(async () =>
        isStorableStreamId(streamId) ? readChangesets(table, streamId, range, maxBytes) : undefined,
      ),
    readEvents: (streamId, range, maxBytes) =>
      open(async () =>
        isStorableStreamId(streamId) ? readEvents(table, streamId, range, maxBytes) : undefined,
      ),
    readGlobal: (checkpoint, limit, maxBytes) =>
      open(() => readGlobal(table, checkpoint, limit, maxBytes)),
    readProjection: (name) => open(() => readProjection(table, name)),
    writeProjection: (name, next, previous) =>
      open(() => writeProjection(table, name, next, previous)),
    watch: changes.watch,
    indexNow: () =>
      open(async () => {
        const indexed = await streamPoller().poll();
        await awaitEnumeration();
        return indexed;
      }),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await background?.stop();
      if (ownsClient) client.destroy();
      if (options.streamsClient === undefined) streamsClient?.destroy();
    },
  };
}

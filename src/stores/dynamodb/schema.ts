import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { utf8Length } from '../../core/index.js';

/**
 * Attribute names of the events table. The seed's names are kept, so an operator who knows the
 * original service reads the table as before; see DATA-MODEL.md for what each one holds.
 */
export const ATTR = {
  /** Hash key: the stream. */
  streamId: 'stream_id',
  /** Range key: 1, 2, 3 ... for changesets; 0 for the store's own bookkeeping items. */
  changesetId: 'changeset_id',
  firstEventId: 'first_event_id',
  lastEventId: 'last_event_id',
  timestamp: 'timestamp',
  /** JSON text of the events, when the changeset is stored uncompressed. */
  events: 'events',
  /** JSON text of the metadata, when the changeset is stored uncompressed. */
  metadata: 'metadata',
  /** Compressed `{"events", "metadata"}` JSON, when the plain text would not fit in an item. */
  payload: 'payload',
  /** How `payload` is encoded; absent on uncompressed items. */
  payloadFormat: 'payload_format',
  /** Random id of the commit attempt that wrote the item (see commit.ts: lost responses). */
  commitId: 'commit_id',
  /** The item's size as written by the commit, so the indexer can size its transactions. */
  itemBytes: 'item_bytes',
  /** Global position, set once by the indexer. */
  checkpoint: 'checkpoint',
  /** `floor(checkpoint / PAGE_SIZE)`: the enumeration index's partition, set with `checkpoint`. */
  page: 'page',
  /** The counter item's next free checkpoint. */
  nextCheckpoint: 'next_checkpoint',
  /** A projection item's saved checkpoint. */
  projectionCheckpoint: 'projection_checkpoint',
  /** A projection item's state as JSON text; absent for an `undefined` state. */
  projectionState: 'state',
} as const;

/** The three secondary indexes; all KEYS_ONLY (DATA-MODEL.md explains why). */
export const INDEX = {
  /** LSI: stream_id + first_event_id. Finds the last changeset of an event range. */
  byFirstEvent: 'by_first_event',
  /** LSI: stream_id + last_event_id. Finds the first changeset of an event range, and the head. */
  byLastEvent: 'by_last_event',
  /** GSI: page + checkpoint. The global enumeration, sparse: only indexed changesets. */
  enumeration: 'enumeration',
} as const;

/**
 * Checkpoints per enumeration partition. One page is one GSI partition key value, so the index
 * never concentrates on a single key; a page of the HTTP enumeration (at most 1000) spans at
 * most two partitions.
 */
export const PAGE_SIZE = 1000;

/** The marker of a brotli-compressed `{"events", "metadata"}` JSON payload. */
export const BROTLI_JSON = 'brotli+json';

/**
 * The range key of bookkeeping items. Changesets are numbered from 1, so nothing the store keeps
 * besides changesets can ever take a changeset's key, whatever the stream id; and every stream
 * query says `changeset_id >= 1`.
 */
export const BOOKKEEPING_ID = 0;

/** The first changeset id; stream queries start here to step over bookkeeping items. */
export const FIRST_CHANGESET_ID = 1;

export type Key = Record<string, AttributeValue>;

export const changesetKey = (streamId: string, changesetId: number): Key => ({
  [ATTR.streamId]: { S: streamId },
  [ATTR.changesetId]: { N: String(changesetId) },
});

/** The item holding the next checkpoint to assign (absent: 0). */
export const COUNTER_KEY: Key = changesetKey('$ees:checkpoint-counter', BOOKKEEPING_ID);

/** The item holding a projection's progress. */
export const projectionKey = (name: string): Key =>
  changesetKey(`$ees:projection:${name}`, BOOKKEEPING_ID);

export const pageOf = (checkpoint: number): number => Math.floor(checkpoint / PAGE_SIZE);

/** DynamoDB's limit on a partition key value, in UTF-8 bytes: the longest possible stream id. */
export const MAX_STREAM_ID_BYTES = 2048;

/** Whether a stream id fits DynamoDB's key; a longer one names a stream that cannot exist. */
export const isStorableStreamId = (streamId: string): boolean =>
  utf8Length(streamId) <= MAX_STREAM_ID_BYTES;

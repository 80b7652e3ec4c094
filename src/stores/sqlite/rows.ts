import type BetterSqlite3 from 'better-sqlite3';
import type { IndexedChangeset, IndexedChangesetText, JsonObject } from '../../core/index.js';
import { withinBytes } from '../../core/index.js';

/** The columns every changeset read selects, in `ChangesetRow`'s shape. */
export const CHANGESET_COLUMNS =
  'checkpoint, stream_id, changeset_id, first_event_id, last_event_id, timestamp, metadata, events';

/**
 * A `changesets` row as a raw better-sqlite3 statement returns it: an array in
 * `CHANGESET_COLUMNS` order (integers as numbers, JSON as text). Every statement reading these
 * columns is prepared with `.raw()`, because building arrays instead of objects takes about a
 * third off reading a row, which the enumeration's long scans feel.
 */
export type ChangesetRow = readonly [
  checkpoint: number,
  streamId: string,
  changesetId: number,
  firstEventId: number,
  lastEventId: number,
  timestamp: string,
  metadata: string,
  events: string,
];

/**
 * A stored changeset. The JSON columns were written by `JSON.stringify` of validated objects, so
 * parsing them gives back the same objects; every read and the commit result go through here,
 * so a committed changeset and its later reads are equal.
 */
export const toChangeset = ([
  checkpoint,
  streamId,
  changesetId,
  firstEventId,
  lastEventId,
  timestamp,
  metadata,
  events,
]: ChangesetRow): IndexedChangeset => ({
  streamId,
  changesetId,
  firstEventId,
  lastEventId,
  timestamp,
  metadata: JSON.parse(metadata) as JsonObject,
  events: JSON.parse(events) as JsonObject[],
  checkpoint,
});

/**
 * What the enumeration as text reads (`CHANGESET_TEXT_COLUMNS`): only what its answers carry,
 * the JSON columns left as the text `JSON.stringify` wrote.
 */
export const CHANGESET_TEXT_COLUMNS = 'checkpoint, stream_id, changeset_id, metadata, events';

export type ChangesetTextRow = readonly [
  checkpoint: number,
  streamId: string,
  changesetId: number,
  metadataJson: string,
  eventsJson: string,
];

export const toChangesetText = ([
  checkpoint,
  streamId,
  changesetId,
  metadataJson,
  eventsJson,
]: ChangesetTextRow): IndexedChangesetText => ({
  streamId,
  changesetId,
  metadataJson,
  eventsJson,
  checkpoint,
});

/** What a row's events and metadata take as stored text (the last two columns of both shapes). */
export const storedSize = (row: ChangesetRow | ChangesetTextRow): number =>
  (row.at(-1) as string).length + (row.at(-2) as string).length;

/** What a row's events take as stored text (its last column). */
export const storedEventsSize = (row: ChangesetRow): number => row[7].length;

/**
 * A statement's rows: all at once, or, with `maxBytes`, one at a time up to those of
 * `withinBytes`, so that rows past the bound are never read.
 */
export function rowsWithinBytes<Params extends unknown[], Row>(
  statement: BetterSqlite3.Statement<Params, Row>,
  params: Params,
  maxBytes: number | undefined,
  size: (row: Row, index: number) => number,
): Row[] {
  if (maxBytes === undefined) return statement.all(...params);
  return withinBytes(statement.iterate(...params), maxBytes, size);
}

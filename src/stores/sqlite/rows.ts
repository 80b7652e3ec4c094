import type { IndexedChangeset, JsonObject } from '../../core/index.js';

/** The columns every changeset read selects, in `ChangesetRow`'s shape. */
export const CHANGESET_COLUMNS =
  'checkpoint, stream_id, changeset_id, first_event_id, last_event_id, timestamp, metadata, events';

/** A `changesets` row as better-sqlite3 returns it (integers as numbers, JSON as text). */
export interface ChangesetRow {
  readonly checkpoint: number;
  readonly stream_id: string;
  readonly changeset_id: number;
  readonly first_event_id: number;
  readonly last_event_id: number;
  readonly timestamp: string;
  readonly metadata: string;
  readonly events: string;
}

/**
 * A stored changeset. The JSON columns were written by `JSON.stringify` of validated objects, so
 * parsing them gives back the same objects; every read and the commit result go through here,
 * so a committed changeset and its later reads are equal.
 */
export const toChangeset = (row: ChangesetRow): IndexedChangeset => ({
  streamId: row.stream_id,
  changesetId: row.changeset_id,
  firstEventId: row.first_event_id,
  lastEventId: row.last_event_id,
  timestamp: row.timestamp,
  metadata: JSON.parse(row.metadata) as JsonObject,
  events: JSON.parse(row.events) as JsonObject[],
  checkpoint: row.checkpoint,
});

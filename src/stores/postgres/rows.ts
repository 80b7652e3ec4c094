import type {
  Changeset,
  IndexedChangeset,
  IndexedChangesetText,
  JsonObject,
} from '../../core/index.js';
import type { SchemaName } from './schema-name.js';

/** The columns every changeset read selects, in `ChangesetRow`'s shape. `seq` stays inside. */
export const CHANGESET_COLUMNS =
  'checkpoint, stream_id, changeset_id, first_event_id, last_event_id, timestamp, metadata, events';

/**
 * What the enumeration as text reads: only what its answers carry, with the `json` columns cast
 * to `text` (`json` keeps the text it was given, which `JSON.stringify` wrote, so it reaches
 * the reader without being parsed).
 */
export const CHANGESET_TEXT_COLUMNS =
  'checkpoint, stream_id, changeset_id, metadata::text AS metadata, events::text AS events';

/** The same columns of the table aliased `alias`. */
export const changesetColumnsOf = (alias: string): string =>
  CHANGESET_COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');

/** `<schema>.changesets`, the table every statement names in full. */
export const changesetsTable = (schema: SchemaName): string => `${schema.quoted}.changesets`;

/**
 * A `changesets` row as node-postgres returns it: `bigint` as numbers (see `connect.ts`), `json`
 * parsed, and `checkpoint` NULL until the indexer has reached the row.
 */
export interface ChangesetRow {
  readonly checkpoint: number | null;
  readonly stream_id: string;
  readonly changeset_id: number;
  readonly first_event_id: number;
  readonly last_event_id: number;
  readonly timestamp: string;
  readonly metadata: JsonObject;
  readonly events: JsonObject[];
}

/**
 * A stored changeset. The JSON columns hold the text `JSON.stringify` wrote for validated
 * objects (`json` keeps text as written), so parsing them gives back the same objects.
 */
export const toChangeset = (row: ChangesetRow): Changeset => ({
  streamId: row.stream_id,
  changesetId: row.changeset_id,
  firstEventId: row.first_event_id,
  lastEventId: row.last_event_id,
  timestamp: row.timestamp,
  metadata: row.metadata,
  events: row.events,
  checkpoint: row.checkpoint,
});

/** A changeset read from the global enumeration, which only returns indexed rows. */
export function toIndexedChangeset(row: ChangesetRow): IndexedChangeset {
  const { checkpoint } = row;
  if (checkpoint === null) throw new Error('The global enumeration returned an unindexed row');
  return { ...toChangeset(row), checkpoint };
}

/**
 * A `changesets` row read with `CHANGESET_TEXT_COLUMNS` in node-postgres's array row mode, in
 * column order: building arrays rather than objects makes a long enumeration read about a third
 * cheaper.
 */
export type ChangesetTextTuple = [
  checkpoint: number | null,
  streamId: string,
  changesetId: number,
  metadataJson: string,
  eventsJson: string,
];

/** A changeset of the global enumeration with its JSON columns as text. */
export function toIndexedChangesetText([
  checkpoint,
  streamId,
  changesetId,
  metadataJson,
  eventsJson,
]: ChangesetTextTuple): IndexedChangesetText {
  if (checkpoint === null) throw new Error('The global enumeration returned an unindexed row');
  return { streamId, changesetId, metadataJson, eventsJson, checkpoint };
}

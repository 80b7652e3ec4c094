import type { Migration } from './migration.js';

/**
 * The changeset log and the projections' progress.
 *
 * - `checkpoint` is the rowid alias, so the global enumeration is a range scan of the table
 *   itself, and `MAX(checkpoint)` (the next checkpoint's base) is a single seek.
 * - `UNIQUE (stream_id, changeset_id)` is the stream's own order and the last line of defence
 *   against two changesets claiming one number; the two event-id indexes let an event-range
 *   read find its first and last changeset without reading the stream (002 drops the first
 *   one: the last-event index finds both).
 * - `STRICT` makes SQLite reject a value of the wrong type instead of storing it as written.
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
    CREATE TABLE changesets (
      checkpoint     INTEGER PRIMARY KEY CHECK (checkpoint >= 0),
      stream_id      TEXT    NOT NULL,
      changeset_id   INTEGER NOT NULL CHECK (changeset_id >= 1),
      first_event_id INTEGER NOT NULL CHECK (first_event_id >= 1),
      last_event_id  INTEGER NOT NULL CHECK (last_event_id >= first_event_id),
      timestamp      TEXT    NOT NULL,
      metadata       TEXT    NOT NULL,
      events         TEXT    NOT NULL,
      UNIQUE (stream_id, changeset_id)
    ) STRICT;

    CREATE UNIQUE INDEX changesets_stream_first_event ON changesets (stream_id, first_event_id);
    CREATE UNIQUE INDEX changesets_stream_last_event ON changesets (stream_id, last_event_id);

    CREATE TABLE projections (
      name       TEXT    PRIMARY KEY,
      checkpoint INTEGER NOT NULL CHECK (checkpoint >= 0),
      state      TEXT
    ) STRICT;
  `,
};

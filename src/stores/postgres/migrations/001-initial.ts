import type { Migration } from './migration.js';

/**
 * The changeset log, the global position and the projections' progress.
 *
 * - `seq` only orders rows for the indexer (see `indexer.ts`). It is never exposed: identity
 *   values are handed out when a row is inserted, not when it commits, so they become visible
 *   out of order and rolled-back inserts leave holes. `CACHE 1` (the default, spelled out) keeps
 *   them increasing across sessions in the order they are drawn; a larger cache would hand each
 *   session its own block and break the intra-stream order argument.
 * - `checkpoint` is NULL until the indexer assigns it. Unique, so even a misbehaving indexer
 *   could never give one checkpoint twice; the partial index on `seq` holds only the rows still
 *   waiting, so finding them stays one short index scan however large the log grows.
 * - `UNIQUE (stream_id, changeset_id)` is the concurrency control: of two writers inserting the
 *   same changeset number the second waits for the first and then inserts nothing. The two
 *   event-id indexes let an event-range read find its first and last changeset in one seek each
 *   and back the event expectation's conflict query.
 * - `stream_id` uses the "C" collation: byte-wise comparison is all a key needs, it is faster,
 *   and it does not change when the operating system's locale data does (which silently
 *   corrupts indexes on locale-collated text after an upgrade).
 * - `json`, not `jsonb`: `json` keeps the text as written, so events and metadata come back byte
 *   for byte (`jsonb` reorders keys, drops duplicates and rewrites numbers).
 * - `projections.state` is NULL for an `undefined` state, which JSON cannot spell.
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: ({ quoted: s }) => `
    CREATE TABLE ${s}.changesets (
      seq            bigint  GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
      stream_id      text    COLLATE "C" NOT NULL,
      changeset_id   integer NOT NULL CHECK (changeset_id >= 1),
      first_event_id bigint  NOT NULL CHECK (first_event_id >= 1),
      last_event_id  bigint  NOT NULL CHECK (last_event_id >= first_event_id),
      timestamp      text    NOT NULL,
      metadata       json    NOT NULL,
      events         json    NOT NULL,
      checkpoint     bigint  CHECK (checkpoint >= 0),
      CONSTRAINT changesets_checkpoint UNIQUE (checkpoint),
      CONSTRAINT changesets_stream_changeset UNIQUE (stream_id, changeset_id)
    );

    CREATE UNIQUE INDEX changesets_stream_first_event ON ${s}.changesets (stream_id, first_event_id);
    CREATE UNIQUE INDEX changesets_stream_last_event ON ${s}.changesets (stream_id, last_event_id);
    CREATE INDEX changesets_unindexed ON ${s}.changesets (seq) WHERE checkpoint IS NULL;

    CREATE TABLE ${s}.global_position (
      id              integer PRIMARY KEY CHECK (id = 1),
      next_checkpoint bigint  NOT NULL CHECK (next_checkpoint >= 0)
    );
    INSERT INTO ${s}.global_position (id, next_checkpoint) VALUES (1, 0);

    CREATE TABLE ${s}.projections (
      name       text   PRIMARY KEY,
      checkpoint bigint NOT NULL CHECK (checkpoint >= 0),
      state      json
    );
  `,
};

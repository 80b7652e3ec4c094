import type { Migration } from './migration.js';

/**
 * Fewer indexes for each commit and each indexer pass to write. A changeset row is written
 * twice: inserted by its commit, then updated by the indexer to receive its checkpoint. That
 * update changes an indexed column, so PostgreSQL adds an entry for the new row version to every
 * index of the table; each index dropped here is one write less, twice per changeset.
 *
 * - `seq` loses its primary key. It is drawn from an identity, so it is unique without one; the
 *   indexer finds waiting rows through the partial index on `seq` and updates them by
 *   `(stream_id, changeset_id)`, which becomes the primary key.
 * - `(stream_id, first_event_id)` goes: an event-range read finds both of its bounds in
 *   `(stream_id, last_event_id)` (see `read-events.ts`).
 * - `checkpoint` is unique among the rows that have one: a partial index, so a commit adds no
 *   entry for its NULL, and only the indexer's update writes one.
 */
export const leanerIndexes: Migration = {
  version: 2,
  name: 'leaner-indexes',
  sql: ({ quoted: s }) => `
    ALTER TABLE ${s}.changesets DROP CONSTRAINT changesets_pkey;
    ALTER TABLE ${s}.changesets DROP CONSTRAINT changesets_stream_changeset;
    ALTER TABLE ${s}.changesets
      ADD CONSTRAINT changesets_pkey PRIMARY KEY (stream_id, changeset_id);
    DROP INDEX ${s}.changesets_stream_first_event;
    ALTER TABLE ${s}.changesets DROP CONSTRAINT changesets_checkpoint;
    CREATE UNIQUE INDEX changesets_checkpoint ON ${s}.changesets (checkpoint)
      WHERE checkpoint IS NOT NULL;
  `,
};

import type { Migration } from './migration.js';

/**
 * Drops the `(stream_id, first_event_id)` index. An event-range read finds both of its bounds
 * in `(stream_id, last_event_id)` (see `read-events.ts`), so the index only cost every commit a
 * third secondary-index insert: one more random page written to the log per changeset.
 */
export const dropFirstEventIndex: Migration = {
  version: 2,
  name: 'drop-first-event-index',
  sql: `DROP INDEX changesets_stream_first_event;`,
};

import type { Migration } from './migration.js';

/**
 * Drops the `(stream_id, last_event_id)` index. Event-range reads and conflicts on an event
 * expectation find their first changeset by binary search over the primary key, in the same
 * statement (`event-bounds.ts`). A changeset row is written twice (inserted by its commit,
 * updated by the indexer with its checkpoint, which adds an entry to every index), so this is
 * two index writes less per changeset.
 */
export const dropLastEventIndex: Migration = {
  version: 4,
  name: 'drop-last-event-index',
  sql: ({ quoted: s }) => `DROP INDEX ${s}.changesets_stream_last_event;`,
};

import type { Changeset, IndexedChangeset, StreamEvent } from '../core/index.js';

/** A changeset as a stream read or a conflict returns it. */
export const changesetToWire = (changeset: Changeset) => ({
  changeset_id: changeset.changesetId,
  events: changeset.events,
  metadata: changeset.metadata,
});

/** A changeset as the global enumeration returns it. */
export const indexedChangesetToWire = (changeset: IndexedChangeset) => ({
  stream_id: changeset.streamId,
  ...changesetToWire(changeset),
  checkpoint: changeset.checkpoint,
});

export const eventToWire = (event: StreamEvent) => ({ id: event.eventId, data: event.data });

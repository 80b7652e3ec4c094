import type { Changeset, StreamEvent } from '../core/index.js';

/** A changeset as a stream read or a conflict returns it. */
export const changesetToWire = (changeset: Changeset) => ({
  changeset_id: changeset.changesetId,
  events: changeset.events,
  metadata: changeset.metadata,
});

export const eventToWire = (event: StreamEvent) => ({ id: event.eventId, data: event.data });

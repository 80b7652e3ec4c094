import type { Changeset, Range, StreamEvent } from './types.js';

/**
 * The events of `changesets` (consecutive, in order) whose ids fall in the inclusive range:
 * a range may start or end inside a changeset.
 */
export function sliceEvents(
  changesets: readonly Pick<Changeset, 'changesetId' | 'firstEventId' | 'events'>[],
  range: Range,
): StreamEvent[] {
  const result: StreamEvent[] = [];
  for (const changeset of changesets) {
    changeset.events.forEach((data, index) => {
      const eventId = changeset.firstEventId + index;
      if ((range.from ?? 0) <= eventId && eventId <= (range.to ?? Infinity)) {
        result.push({ changesetId: changeset.changesetId, eventId, data });
      }
    });
  }
  return result;
}

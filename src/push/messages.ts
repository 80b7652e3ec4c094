import type { IndexedChangeset, IndexedChangesetText } from '../core/index.js';
import { parseNonNegativeInteger } from '../core/index.js';

/** One Server-Sent Events message. */
export interface PushMessage {
  readonly id: string;
  readonly event: 'changeset' | 'event';
  readonly data: string;
}

/**
 * A changeset in the enumeration's JSON shape (`stream_id`, `changeset_id`, `events`,
 * `metadata`, `checkpoint`), built around the stored JSON text of its events and metadata: the
 * characters `JSON.stringify` would write for the parsed changeset, without parsing it.
 */
export const enumeratedChangesetJson = (changeset: IndexedChangesetText): string =>
  `{"stream_id":${JSON.stringify(changeset.streamId)},"changeset_id":${changeset.changesetId},"events":${changeset.eventsJson},"metadata":${changeset.metadataJson},"checkpoint":${changeset.checkpoint}}`;

/** A changeset as both changeset channels send it: the enumeration's shape. */
export const changesetMessage = (changeset: IndexedChangesetText, id: string): PushMessage => ({
  id,
  event: 'changeset',
  data: enumeratedChangesetJson(changeset),
});

/**
 * A changeset's events as the event channels send them, one message each, from position
 * `fromIndex` within the changeset; `idOf` names each message by that position.
 */
export const eventMessages = (
  changeset: IndexedChangeset,
  fromIndex: number,
  idOf: (index: number) => string,
): PushMessage[] =>
  changeset.events.slice(fromIndex).map((data, offset) => {
    const index = fromIndex + offset;
    return {
      id: idOf(index),
      event: 'event',
      data: JSON.stringify({
        stream_id: changeset.streamId,
        changeset_id: changeset.changesetId,
        event_id: changeset.firstEventId + index,
        data,
        checkpoint: changeset.checkpoint,
      }),
    };
  });

/** Where a subscription resumes: a changeset position, and an event index within it. */
export interface ResumePoint {
  readonly position: number;
  readonly index: number;
}

/**
 * Parses `<position>` or `<position>.<index>` (the ids the channels send) and says where
 * delivery continues: right after that message. `undefined` if the id is not one of ours.
 */
export function resumeAfter(lastEventId: string, withIndex: boolean): ResumePoint | undefined {
  const [positionText, indexText, ...rest] = lastEventId.split('.');
  if (rest.length > 0 || positionText === undefined) return undefined;
  const position = parseNonNegativeInteger(positionText);
  if (position === undefined) return undefined;
  if (!withIndex) return indexText === undefined ? { position: position + 1, index: 0 } : undefined;
  if (indexText === undefined) return undefined;
  const index = parseNonNegativeInteger(indexText);
  return index === undefined ? undefined : { position, index: index + 1 };
}

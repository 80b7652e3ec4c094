import type { Range, StreamEvent } from '../../core/index.js';
import { afterTheFirst, serialisedEventsSize, sliceEvents } from '../../core/index.js';
import { numberOf } from './attributes.js';
import { queryChangesets } from './read-changesets.js';
import { ATTR, FIRST_CHANGESET_ID, INDEX } from './schema.js';
import { readStreamHead } from './stream-head.js';
import type { Table } from './table.js';
import { queryFirst } from './table.js';

/**
 * The changeset id of the first (or last) index entry of a stream whose event-id sort key
 * satisfies `condition`: one KEYS_ONLY local index entry, so one read unit.
 */
async function boundary(
  table: Table,
  streamId: string,
  index: string,
  sortKey: string,
  condition: '>=' | '<=',
  eventId: number,
): Promise<number | undefined> {
  const item = await queryFirst(table, {
    IndexName: index,
    KeyConditionExpression: `#stream = :stream AND #event ${condition} :event`,
    ExpressionAttributeNames: { '#stream': ATTR.streamId, '#event': sortKey },
    ExpressionAttributeValues: { ':stream': { S: streamId }, ':event': { N: String(eventId) } },
    // Ascending from `from` for the first holding changeset, descending from `to` for the last.
    ScanIndexForward: condition === '>=',
    ConsistentRead: true,
  });
  return item === undefined ? undefined : numberOf(item, ATTR.changesetId);
}

/**
 * A stream's events in the inclusive range of event ids, cut out of the changesets that hold
 * them; `undefined` for a stream that does not exist.
 *
 * A stream's changesets cover its event ids without gap or overlap, so the first holding
 * changeset is the lowest one whose last event is at or after `from` (the `last_event_id`
 * index), and the last is the highest one whose first event is at or before `to` (the
 * `first_event_id` index). Those bound one range query of the base table: only the changesets
 * that hold the range are read, never a scan of the stream. An open bound (or `from` <= 1)
 * needs no index lookup, so reading a whole stream is a single query.
 */
export async function readEvents(
  table: Table,
  streamId: string,
  range: Range,
  maxBytes?: number,
): Promise<StreamEvent[] | undefined> {
  const [first, last] = await Promise.all([
    range.from === undefined || range.from <= 1
      ? FIRST_CHANGESET_ID
      : boundary(table, streamId, INDEX.byLastEvent, ATTR.lastEventId, '>=', range.from),
    range.to === undefined
      ? Number.MAX_SAFE_INTEGER
      : boundary(table, streamId, INDEX.byFirstEvent, ATTR.firstEventId, '<=', range.to),
  ]);
  const changesets =
    first === undefined || last === undefined || first > last
      ? []
      : await queryChangesets(
          table,
          streamId,
          first,
          last,
          maxBytes === undefined
            ? undefined
            : { maxBytes, size: afterTheFirst(serialisedEventsSize) },
        );
  if (changesets.length > 0) return sliceEvents(changesets, range);
  return (await readStreamHead(table, streamId)) === undefined ? undefined : [];
}

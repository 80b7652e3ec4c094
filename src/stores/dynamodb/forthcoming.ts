import type { Changeset, Expectation } from '../../core/index.js';
import { serialisedSize } from '../../core/index.js';
import { numberOf } from './attributes.js';
import { queryChangesets } from './read-changesets.js';
import { ATTR, INDEX } from './schema.js';
import type { Table } from './table.js';
import { queryFirst } from './table.js';

/**
 * The changesets a conflicting writer gets back (core `isForthcoming`), strongly consistent so
 * that the winner that made the commit fail is among them:
 * - after a changeset expectation N: the range query `changeset_id > N`;
 * - after an event expectation N: every changeset from the first whose last event is after N
 *   (one lookup in the `last_event_id` local index), to the end.
 *
 * With `maxBytes`, only the first of them (see `CommitRequest`), and no more is queried.
 */
export async function readForthcoming(
  table: Table,
  streamId: string,
  expectation: Expectation,
  maxBytes?: number,
): Promise<Changeset[]> {
  const bound = maxBytes === undefined ? undefined : { maxBytes, size: serialisedSize };
  const from = (changesetId: number) =>
    queryChangesets(table, streamId, changesetId, Number.MAX_SAFE_INTEGER, bound);
  if (expectation.kind === 'changeset') return from(expectation.lastChangesetId + 1);
  const first = await queryFirst(table, {
    IndexName: INDEX.byLastEvent,
    KeyConditionExpression: '#stream = :stream AND #event > :event',
    ExpressionAttributeNames: { '#stream': ATTR.streamId, '#event': ATTR.lastEventId },
    ExpressionAttributeValues: {
      ':stream': { S: streamId },
      ':event': { N: String(expectation.lastEventId) },
    },
    ConsistentRead: true,
  });
  return first === undefined ? [] : from(numberOf(first, ATTR.changesetId));
}

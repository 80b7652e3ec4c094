import type { StreamHead } from '../../core/index.js';
import { numberOf } from './attributes.js';
import { ATTR, INDEX } from './schema.js';
import type { Table } from './table.js';
import { queryFirst } from './table.js';

/**
 * Where a stream ends; `undefined` when it has no changeset, i.e. does not exist.
 *
 * Read from the `last_event_id` local index backwards: the highest last event belongs to the
 * highest changeset, and the KEYS_ONLY entry holds both numbers, so this costs one read unit
 * however large the changeset is (the base table would charge for the whole item). Local
 * indexes, unlike global ones, offer strongly consistent reads: a commit acknowledged anywhere
 * is seen here. Bookkeeping items have no `last_event_id` and never appear in the index.
 */
export async function readStreamHead(
  table: Table,
  streamId: string,
): Promise<StreamHead | undefined> {
  const item = await queryFirst(table, {
    IndexName: INDEX.byLastEvent,
    KeyConditionExpression: '#stream = :stream',
    ExpressionAttributeNames: { '#stream': ATTR.streamId },
    ExpressionAttributeValues: { ':stream': { S: streamId } },
    ScanIndexForward: false,
    ConsistentRead: true,
  });
  return item === undefined
    ? undefined
    : {
        lastChangesetId: numberOf(item, ATTR.changesetId),
        lastEventId: numberOf(item, ATTR.lastEventId),
      };
}

import type { Changeset, Range } from '../../core/index.js';
import { serialisedSize, withinBytes } from '../../core/index.js';
import { toChangeset } from './changeset-item.js';
import { ATTR, FIRST_CHANGESET_ID } from './schema.js';
import { readStreamHead } from './stream-head.js';
import type { Table } from './table.js';
import { queryAll } from './table.js';

/**
 * A stream's changesets with ids in `from..to` (inclusive), in order: one strongly consistent
 * range query of the base table (more requests only past DynamoDB's 1 MB per response). The
 * range starts at 1 at least, which steps over the store's bookkeeping items.
 */
export async function queryChangesets(
  table: Table,
  streamId: string,
  from: number,
  to: number = Number.MAX_SAFE_INTEGER,
): Promise<Changeset[]> {
  const lower = Math.max(from, FIRST_CHANGESET_ID);
  if (lower > to) return [];
  const items = await queryAll(table, {
    KeyConditionExpression: '#stream = :stream AND #changeset BETWEEN :from AND :to',
    ExpressionAttributeNames: { '#stream': ATTR.streamId, '#changeset': ATTR.changesetId },
    ExpressionAttributeValues: {
      ':stream': { S: streamId },
      ':from': { N: String(lower) },
      ':to': { N: String(to) },
    },
    ConsistentRead: true,
  });
  return Promise.all(items.map(toChangeset));
}

/**
 * A stream's changesets in the inclusive range; `undefined` for a stream that does not exist.
 * Only an empty result costs a second request, to tell "no such stream" from "nothing in this
 * range"; changesets are never deleted, so the answer cannot change in between.
 */
export async function readChangesets(
  table: Table,
  streamId: string,
  range: Range,
  maxBytes?: number,
): Promise<Changeset[] | undefined> {
  const changesets = await queryChangesets(table, streamId, range.from ?? 0, range.to);
  // Cut after the query, as the enumeration is: the answer is bounded, the memory is not.
  if (changesets.length > 0) return withinBytes(changesets, maxBytes, serialisedSize);
  return (await readStreamHead(table, streamId)) === undefined ? undefined : [];
}

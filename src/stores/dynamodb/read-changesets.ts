import type { Changeset, Range } from '../../core/index.js';
import { serialisedSize, withinBytes } from '../../core/index.js';
import type { Item } from './attributes.js';
import { toChangeset } from './changeset-item.js';
import { ATTR, FIRST_CHANGESET_ID } from './schema.js';
import { readStreamHead } from './stream-head.js';
import type { Table } from './table.js';
import { queryAll } from './table.js';

/** A bound on what a read returns, as `withinBytes` applies it. */
export interface ByteBound {
  readonly maxBytes: number;
  readonly size: (changeset: Changeset, index: number) => number;
}

/**
 * A stream's changesets with ids in `from..to` (inclusive), in order: one strongly consistent
 * range query of the base table (more requests only past DynamoDB's 1 MB per response). The
 * range starts at 1 at least, which steps over the store's bookkeeping items. With `bound`,
 * only those of `withinBytes`, and no further response is asked for once they are in.
 */
export async function queryChangesets(
  table: Table,
  streamId: string,
  from: number,
  to: number = Number.MAX_SAFE_INTEGER,
  bound?: ByteBound,
): Promise<Changeset[]> {
  const lower = Math.max(from, FIRST_CHANGESET_ID);
  if (lower > to) return [];
  // Decoded as the responses come, so that their sizes say when to stop.
  const changesets: Changeset[] = [];
  let bytes = 0;
  const decode = async (items: readonly Item[]): Promise<void> => {
    for (const changeset of await Promise.all(items.slice(changesets.length).map(toChangeset))) {
      if (bound !== undefined) bytes += bound.size(changeset, changesets.length);
      changesets.push(changeset);
    }
  };
  const enough =
    bound &&
    (async (items: readonly Item[]) => {
      await decode(items);
      return bytes >= bound.maxBytes;
    });
  const items = await queryAll(
    table,
    {
      KeyConditionExpression: '#stream = :stream AND #changeset BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#stream': ATTR.streamId, '#changeset': ATTR.changesetId },
      ExpressionAttributeValues: {
        ':stream': { S: streamId },
        ':from': { N: String(lower) },
        ':to': { N: String(to) },
      },
      ConsistentRead: true,
    },
    enough,
  );
  await decode(items);
  return bound === undefined ? changesets : withinBytes(changesets, bound.maxBytes, bound.size);
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
  const bound = maxBytes === undefined ? undefined : { maxBytes, size: serialisedSize };
  const changesets = await queryChangesets(table, streamId, range.from ?? 0, range.to, bound);
  if (changesets.length > 0) return changesets;
  return (await readStreamHead(table, streamId)) === undefined ? undefined : [];
}

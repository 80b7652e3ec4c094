import type { BatchGetItemCommandOutput, KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { BatchGetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Checkpoint, IndexedChangeset } from '../../core/index.js';
import { errors, serialisedSize, withinBytes } from '../../core/index.js';
import type { Item } from './attributes.js';
import { numberOf, stringOf } from './attributes.js';
import { toChangeset } from './changeset-item.js';
import type { Key } from './schema.js';
import { ATTR, INDEX, PAGE_SIZE, changesetKey, pageOf } from './schema.js';
import type { Table } from './table.js';

/** BatchGetItem takes at most 100 keys per request. */
const BATCH_GET_KEYS = 100;

/** Rounds of retrying keys DynamoDB left unprocessed (throttling, 16 MB responses). */
const MAX_BATCH_ROUNDS = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface EnumerationEntry {
  readonly checkpoint: Checkpoint;
  readonly key: Key;
}

/**
 * Up to `limit` entries of the enumeration index from `checkpoint` on, cut at the first gap.
 *
 * The index is a global secondary index, and DynamoDB updates those asynchronously: just after
 * the indexer assigned checkpoints 7 and 8, the index may show 8 and not yet 7. A reader that
 * took 8 and went on from 9 would never see 7. So the result is the gapless run starting exactly
 * at `checkpoint` (empty when `checkpoint` itself is not visible yet); the missing entries show
 * up on a later read, and a reader that resumes at `next_checkpoint` misses nothing.
 */
export async function readEnumerationEntries(
  table: Table,
  checkpoint: Checkpoint,
  limit: number,
): Promise<EnumerationEntry[]> {
  const entries: EnumerationEntry[] = [];
  let next = checkpoint;
  for (;;) {
    // One query per enumeration partition, its condition fixed: a response cut at 1 MB goes on
    // from its last key, which DynamoDB refuses if the condition no longer holds for that key.
    const from = next;
    let start: Item | undefined;
    do {
      const output = await table.client.send(
        new QueryCommand({
          TableName: table.tableName,
          IndexName: INDEX.enumeration,
          KeyConditionExpression: '#page = :page AND #checkpoint >= :next',
          ExpressionAttributeNames: { '#page': ATTR.page, '#checkpoint': ATTR.checkpoint },
          ExpressionAttributeValues: {
            ':page': { N: String(pageOf(from)) },
            ':next': { N: String(from) },
          },
          Limit: limit - entries.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of output.Items ?? []) {
        if (numberOf(item, ATTR.checkpoint) !== next) return entries;
        entries.push({
          checkpoint: next,
          key: changesetKey(stringOf(item, ATTR.streamId), numberOf(item, ATTR.changesetId)),
        });
        next++;
        if (entries.length === limit) return entries;
      }
      start = output.LastEvaluatedKey;
    } while (start !== undefined);
    // The page is exhausted: the enumeration goes on only if it filled the page to its end.
    if (next % PAGE_SIZE !== 0 || next === checkpoint) return entries;
  }
}

const keyId = (key: Key): string =>
  JSON.stringify([key[ATTR.streamId]?.S, key[ATTR.changesetId]?.N]);

/** The items for `keys`, strongly consistent, in no particular order. */
async function batchGet(table: Table, keys: readonly Key[]): Promise<Item[]> {
  const items: Item[] = [];
  let pending: KeysAndAttributes | undefined = { Keys: [...keys], ConsistentRead: true };
  for (let round = 0; pending?.Keys !== undefined && pending.Keys.length > 0; round++) {
    if (round === MAX_BATCH_ROUNDS) {
      throw errors.storeUnavailable(
        new Error(`BatchGetItem left ${pending.Keys.length} keys unprocessed`),
      );
    }
    if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round * Math.random()));
    const output: BatchGetItemCommandOutput = await table.client.send(
      new BatchGetItemCommand({ RequestItems: { [table.tableName]: pending } }),
    );
    items.push(...(output.Responses?.[table.tableName] ?? []));
    pending = output.UnprocessedKeys?.[table.tableName];
  }
  return items;
}

/** The changesets of `entries`, in their order, each checked against its checkpoint. */
async function fetchChangesets(
  table: Table,
  entries: readonly EnumerationEntry[],
): Promise<IndexedChangeset[]> {
  const chunks: Key[][] = [];
  for (let i = 0; i < entries.length; i += BATCH_GET_KEYS) {
    chunks.push(entries.slice(i, i + BATCH_GET_KEYS).map((entry) => entry.key));
  }
  const items = (await Promise.all(chunks.map((chunk) => batchGet(table, chunk)))).flat();
  const byKey = new Map(items.map((item) => [keyId(item), item]));
  return Promise.all(
    entries.map(async ({ checkpoint: expected, key }) => {
      const item = byKey.get(keyId(key));
      if (item === undefined) throw new Error(`Indexed changeset ${keyId(key)} is missing`);
      const changeset = await toChangeset(item);
      if (changeset.checkpoint !== expected) {
        throw new Error(`Changeset ${keyId(key)} has checkpoint ${changeset.checkpoint}`);
      }
      return { ...changeset, checkpoint: expected };
    }),
  );
}

/**
 * Changesets fetched first for a page bounded in bytes, before any of their sizes is known:
 * one BatchGetItem, so that a page of up to 100 changesets costs no more requests than unbounded.
 */
const FIRST_WAVE = BATCH_GET_KEYS;

/**
 * How many more changesets to fetch for a page bounded in bytes: as many as the sizes seen so
 * far say it takes to reach `maxBytes` (at least one), or `FIRST_WAVE` when none is seen yet.
 */
const nextWave = (fetched: number, bytes: number, maxBytes: number): number =>
  fetched === 0 ? FIRST_WAVE : Math.max(1, Math.ceil(((maxBytes - bytes) * fetched) / bytes));

/**
 * Up to `limit` changesets of every stream from `checkpoint` on, in checkpoint order, gapless.
 *
 * Two steps: the KEYS_ONLY enumeration index gives the keys (one query, two at a page boundary),
 * then strongly consistent BatchGetItem reads fetch the changesets from the base table. Keeping
 * only keys in the index spares a second copy of every payload (storage, and the write cost of
 * copying up to 400 KB per changeset into the index).
 *
 * The keys carry no sizes, so a page bounded in bytes is fetched in waves: one BatchGetItem's
 * worth first (`FIRST_WAVE`), then as many as their sizes say the bound still takes. The
 * function's memory then holds about `maxBytes` (plus at most one first wave), not `limit`
 * changesets of up to 400 KB, while a page of more than 100 small changesets costs one more
 * round trip than fetching all its keys at once.
 */
export async function readGlobal(
  table: Table,
  checkpoint: Checkpoint,
  limit: number,
  maxBytes?: number,
): Promise<IndexedChangeset[]> {
  const entries = await readEnumerationEntries(table, checkpoint, limit);
  if (maxBytes === undefined) return fetchChangesets(table, entries);
  const page: IndexedChangeset[] = [];
  const sizes: number[] = [];
  let bytes = 0;
  while (page.length < entries.length && bytes < maxBytes) {
    const wave = entries.slice(page.length, page.length + nextWave(page.length, bytes, maxBytes));
    for (const changeset of await fetchChangesets(table, wave)) {
      const size = serialisedSize(changeset);
      page.push(changeset);
      sizes.push(size);
      bytes += size;
    }
  }
  return withinBytes(page, maxBytes, (_, index) => sizes[index] ?? 0);
}

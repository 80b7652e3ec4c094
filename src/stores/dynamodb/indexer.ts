import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { Checkpoint } from '../../core/index.js';
import type { Item } from './attributes.js';
import { numberOf, numberValue } from './attributes.js';
import { readCheckpointCounter } from './checkpoint-counter.js';
import { cancellationReasons, isTransient } from './dynamodb-errors.js';
import { MAX_ITEM_BYTES } from './item-size.js';
import { ATTR, COUNTER_KEY, FIRST_CHANGESET_ID, changesetKey, pageOf } from './schema.js';
import type { Table } from './table.js';

/*
 * How the global indexer assigns checkpoints, and why they are gapless, unique and in stream
 * order even with retried batches, duplicated records, several indexers at once and crashes.
 *
 * State. One counter item holds the next free checkpoint `c`: checkpoints 0..c-1 are taken,
 * c and above are free. A changeset has a checkpoint attribute or none; once set it never
 * changes.
 *
 * One step. An indexer reads `c` (strongly consistent), picks changesets without a checkpoint,
 * and writes ONE TransactWriteItems that
 *   - sets the counter to c + g, on condition that it is still c, and
 *   - gives the g changesets the checkpoints c .. c+g-1 (and the enumeration index keys), each on
 *     condition that it has no checkpoint yet.
 * DynamoDB applies all of it or none of it.
 *
 * Gapless and unique. The counter only moves in such a transaction, and only from c to c + g
 * while handing out exactly c .. c+g-1: by induction every checkpoint below the counter belongs
 * to exactly one changeset and none above it is used. Two indexers that read the same c cannot
 * both succeed (the counter condition), and a changeset can never get a second checkpoint (its
 * own condition). There is no window between "taking" a checkpoint and "writing" it, so there is
 * nothing to repair: a crash before the transaction leaves no trace, a crash after it (or a lost
 * response) leaves a complete step, which a retry recognises because the changesets already
 * have their checkpoints.
 *
 * Idempotent. Records only say which changesets to look at; what is pending is read from the
 * table. A retried batch or a duplicated record finds its changesets indexed and skips them.
 *
 * Stream order. Per stream, the indexed changesets are always a prefix 1..k (induction: every
 * step that indexes changeset n of a stream first reads the stream and includes every
 * unindexed changeset below n, in order; the read comes after the counter read, so anything
 * another indexer did in between makes the transaction fail and the step start over). Within a
 * step a stream's changesets get increasing checkpoints; across steps, later steps get higher
 * ones. So changeset n always has a lower checkpoint than n + 1, even when their records come
 * in different batches, in reverse order, or from different shards.
 */

/** The record fields the indexer reads: the same in GetRecords output and Lambda events. */
export interface StreamRecordLike {
  readonly eventID?: string | undefined;
  readonly eventName?: string | undefined;
  readonly dynamodb?:
    | {
        readonly Keys?: Readonly<Record<string, KeyAttributeLike>> | undefined;
        readonly NewImage?: Readonly<Record<string, unknown>> | undefined;
      }
    | undefined;
}

/** A key attribute in either shape (SDK `AttributeValue` or Lambda's JSON). */
export interface KeyAttributeLike {
  readonly S?: string | undefined;
  readonly N?: string | undefined;
}

/** One checkpoint this call assigned. */
export interface AssignedCheckpoint {
  readonly streamId: string;
  readonly changesetId: number;
  readonly checkpoint: Checkpoint;
}

export interface IndexingResult {
  /** What this call assigned, in checkpoint order; empty when everything was indexed already. */
  readonly assigned: readonly AssignedCheckpoint[];
}

export interface IndexerOptions {
  /** Steps to attempt before giving up (another indexer won each time). Default 40. */
  readonly maxAttempts?: number;
}

/** A transaction holds at most 100 actions: the counter and 99 changesets. */
const MAX_GROUP_CHANGESETS = 99;

/**
 * A transaction's items may total at most 4 MB. Changeset items carry their size
 * (`item_bytes`), so a group of large changesets is cut short of the limit, with room to spare.
 */
const MAX_GROUP_BYTES = 3_500_000;

/** Streams read at once while collecting pending changesets. */
const READ_CONCURRENCY = 16;

/** Reasons a cancelled transaction is worth a fresh attempt: contention, never bad input. */
const RETRYABLE_REASONS = new Set([
  'None',
  'ConditionalCheckFailed',
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

interface Pending {
  readonly streamId: string;
  readonly changesetId: number;
  readonly bytes: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * For each stream named by a changeset record, the highest changeset id the batch names.
 * Skipped: removals, bookkeeping items (changeset id 0: the counter, projections) and the
 * indexer's own updates (their new image already has a checkpoint).
 */
export function changesetTargets(records: readonly StreamRecordLike[]): Map<string, number> {
  const targets = new Map<string, number>();
  for (const record of records) {
    if (record.eventName === 'REMOVE') continue;
    const keys = record.dynamodb?.Keys;
    const streamId = keys?.[ATTR.streamId]?.S;
    const changesetId = Number(keys?.[ATTR.changesetId]?.N);
    if (streamId === undefined || !Number.isSafeInteger(changesetId)) continue;
    if (changesetId < FIRST_CHANGESET_ID) continue;
    if (record.dynamodb?.NewImage?.[ATTR.checkpoint] !== undefined) continue;
    targets.set(streamId, Math.max(targets.get(streamId) ?? 0, changesetId));
  }
  return targets;
}

/**
 * The changesets of a stream up to `upTo` that have no checkpoint, in stream order. Reads the
 * stream backwards from `upTo` and stops at the first indexed changeset: indexed changesets are
 * a prefix of the stream, so everything below it is indexed too. Usually that is two items:
 * `upTo` itself and its indexed predecessor.
 */
async function unindexedUpTo(table: Table, streamId: string, upTo: number): Promise<Pending[]> {
  const pending: Pending[] = [];
  let start: Item | undefined;
  let limit = 2;
  for (;;) {
    const output = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: '#stream = :stream AND #changeset BETWEEN :first AND :upTo',
        ProjectionExpression: '#changeset, #checkpoint, #bytes',
        ExpressionAttributeNames: {
          '#stream': ATTR.streamId,
          '#changeset': ATTR.changesetId,
          '#checkpoint': ATTR.checkpoint,
          '#bytes': ATTR.itemBytes,
        },
        ExpressionAttributeValues: {
          ':stream': { S: streamId },
          ':first': numberValue(FIRST_CHANGESET_ID),
          ':upTo': numberValue(upTo),
        },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of output.Items ?? []) {
      if (item[ATTR.checkpoint] !== undefined) return pending.reverse();
      pending.push({
        streamId,
        changesetId: numberOf(item, ATTR.changesetId),
        bytes: Number(item[ATTR.itemBytes]?.N ?? MAX_ITEM_BYTES),
      });
    }
    start = output.LastEvaluatedKey;
    if (start === undefined) return pending.reverse();
    limit = Math.min(limit * 8, 1000);
  }
}

/** Every pending changeset of the target streams: streams in batch order, each in stream order. */
async function collectPending(table: Table, targets: Map<string, number>): Promise<Pending[]> {
  const streams = [...targets];
  const perStream: Pending[][] = new Array<Pending[]>(streams.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < streams.length; i = next++) {
      const [streamId, upTo] = streams[i] ?? ['', 0];
      perStream[i] = await unindexedUpTo(table, streamId, upTo);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, streams.length) }, worker));
  return perStream.flat();
}

/** Consecutive groups that each fit one transaction. */
function groupsOf(pending: readonly Pending[]): Pending[][] {
  const groups: Pending[][] = [];
  let group: Pending[] = [];
  let bytes = 0;
  for (const changeset of pending) {
    if (
      group.length === MAX_GROUP_CHANGESETS ||
      (group.length > 0 && bytes + changeset.bytes > MAX_GROUP_BYTES)
    ) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(changeset);
    bytes += changeset.bytes;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** The step's transaction: advance the counter from `counter`, and number the group from it. */
function assignment(
  table: Table,
  counter: Checkpoint,
  group: readonly Pending[],
): TransactWriteItem[] {
  const advance: TransactWriteItem = {
    Update: {
      TableName: table.tableName,
      Key: COUNTER_KEY,
      UpdateExpression: 'SET #next = :next',
      // The counter item exists from the first step on, and never holds 0.
      ConditionExpression: counter === 0 ? 'attribute_not_exists(#next)' : '#next = :expected',
      ExpressionAttributeNames: { '#next': ATTR.nextCheckpoint },
      ExpressionAttributeValues: {
        ':next': numberValue(counter + group.length),
        ...(counter === 0 ? {} : { ':expected': numberValue(counter) }),
      },
    },
  };
  const assign = group.map((changeset, index): TransactWriteItem => ({
    Update: {
      TableName: table.tableName,
      Key: changesetKey(changeset.streamId, changeset.changesetId),
      UpdateExpression: 'SET #checkpoint = :checkpoint, #page = :page',
      ConditionExpression: 'attribute_exists(#changeset) AND attribute_not_exists(#checkpoint)',
      ExpressionAttributeNames: {
        '#checkpoint': ATTR.checkpoint,
        '#page': ATTR.page,
        '#changeset': ATTR.changesetId,
      },
      ExpressionAttributeValues: {
        ':checkpoint': numberValue(counter + index),
        ':page': numberValue(pageOf(counter + index)),
      },
    },
  }));
  return [advance, ...assign];
}

/** Whether a failed step should start over: another indexer moved first, or DynamoDB was busy. */
function isContention(error: unknown): boolean {
  const reasons = cancellationReasons(error);
  if (reasons !== undefined) return reasons.every((reason) => RETRYABLE_REASONS.has(reason));
  return isTransient(error);
}

/**
 * The global indexer: gives every changeset named by a batch of DynamoDB Streams records (and
 * every earlier changeset of its stream still without one) the next free checkpoints, in stream
 * order. Safe to call with any batch, any number of times, from any number of processes at
 * once; see the proof at the top of this file.
 *
 * Feed it from a stream poller (`ees serve`, tests) or from a Lambda's DynamoDB Streams event.
 * It throws when it could not finish (after `maxAttempts` lost races, or a non-transient
 * error); retrying the same batch is always safe, and steps that succeeded stay done.
 *
 * @example
 * const { assigned } = await indexStreamRecords({ client, tableName: 'events' }, event.Records);
 */
export async function indexStreamRecords(
  table: Table,
  records: readonly StreamRecordLike[],
  options: IndexerOptions = {},
): Promise<IndexingResult> {
  const targets = changesetTargets(records);
  const assigned: AssignedCheckpoint[] = [];
  if (targets.size === 0) return { assigned };
  const maxAttempts = options.maxAttempts ?? 40;
  for (let attempt = 1; ; attempt++) {
    // The counter first: any step another indexer completes after this read fails ours.
    let counter = await readCheckpointCounter(table);
    const pending = await collectPending(table, targets);
    if (pending.length === 0) return { assigned };
    try {
      for (const group of groupsOf(pending)) {
        await table.client.send(
          new TransactWriteItemsCommand({ TransactItems: assignment(table, counter, group) }),
        );
        assigned.push(
          ...group.map((changeset, index) => ({
            streamId: changeset.streamId,
            changesetId: changeset.changesetId,
            checkpoint: counter + index,
          })),
        );
        counter += group.length;
      }
      return { assigned };
    } catch (error) {
      if (!isContention(error) || attempt >= maxAttempts) throw error;
      // Jittered backoff, so that racing indexers stop colliding.
      await sleep(Math.random() * Math.min(500, 10 * 2 ** attempt));
    }
  }
}

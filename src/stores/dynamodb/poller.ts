import type { DynamoDBStreamsClient, Shard, _Record } from '@aws-sdk/client-dynamodb-streams';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';

/** Records per GetRecords call: DynamoDB Streams' maximum. */
const RECORDS_PER_CALL = 1000;

/**
 * Consecutive empty responses tolerated on a closed shard before the poll moves on; its
 * children wait for it, so it is read to its end whenever possible.
 */
const MAX_EMPTY_READS_OF_CLOSED_SHARD = 20;

/** Times one poll re-positions a shard (expired iterator, trimmed records) before giving up. */
const MAX_REPOSITIONS = 3;

/**
 * How long a shard listing is trusted. New shards appear when a shard closes (DynamoDB rolls
 * them every few hours, or splits them), and the poller re-lists as soon as it reads a shard to
 * its end; the period is a safety net. DescribeStream allows about 10 calls per second per
 * stream, which several servers polling every second would otherwise eat into.
 */
const LISTING_TTL_MS = 60_000;

export interface StreamPollerOptions {
  readonly streamsClient: DynamoDBStreamsClient;
  readonly streamArn: string;
  /**
   * Handles one batch of records (in shard order) and says how many changesets it indexed. The
   * poller moves past a batch only when this resolves: a failed batch is read again next time.
   */
  readonly onRecords: (records: readonly _Record[]) => Promise<number>;
}

/** A shard as the poller tracks it, in memory: a restarted poller starts from the trim horizon. */
interface ShardState {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  /** DynamoDB has closed the shard: it ends at a known sequence number. */
  closed: boolean;
  /** Read to its end: `GetRecords` returned no next iterator. */
  finished: boolean;
  iterator: string | undefined;
  /** The last record handed to `onRecords` successfully. */
  lastSequenceNumber: string | undefined;
}

export interface StreamPoller {
  /**
   * Reads every shard up to its current end and hands the records to `onRecords`; resolves
   * with the sum of what it returned. Calls are serialised: two polls never overlap.
   */
  poll(): Promise<number>;
}

const nameOf = (error: unknown): unknown =>
  typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;

/**
 * A DynamoDB Streams reader for running the indexer without Lambda (`ees serve`, tests): what
 * the Lambda event source mapping does on AWS, in process.
 *
 * Shard lineage: DynamoDB splits and rolls shards; a child shard holds records written after
 * its parent's. Each poll lists the shards (DescribeStream), reads a shard only once its parent
 * is read to its end (or has aged out of the stream), starts new shards at TRIM_HORIZON, and
 * remembers iterators and the last sequence number handed over, so each record is handed over
 * once in the normal course. The indexer does not rely on this order or on exactly-once
 * delivery (see indexer.ts); it only keeps the work small.
 *
 * Records live 24 hours in a stream: a poller stopped for longer loses the records in between,
 * and their changesets are indexed only when a later changeset of the same stream comes by.
 */
export function createStreamPoller(options: StreamPollerOptions): StreamPoller {
  const { streamsClient, streamArn, onRecords } = options;
  const shards = new Map<string, ShardState>();
  let queue: Promise<unknown> = Promise.resolve();
  /** When the shards were last listed; `undefined`: list them on the next poll. */
  let listedAt: number | undefined;

  async function listShards(): Promise<Shard[]> {
    const listed: Shard[] = [];
    let start: string | undefined;
    do {
      const output = await streamsClient.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      listed.push(...(output.StreamDescription?.Shards ?? []));
      start = output.StreamDescription?.LastEvaluatedShardId;
    } while (start !== undefined);
    return listed;
  }

  async function position(shard: ShardState): Promise<string | undefined> {
    const output = await streamsClient.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.shardId,
        ...(shard.lastSequenceNumber === undefined
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : {
              ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
              SequenceNumber: shard.lastSequenceNumber,
            }),
      }),
    );
    return output.ShardIterator;
  }

  /** Reads one shard as far as it goes now; returns what `onRecords` reported. */
  async function drain(shard: ShardState): Promise<number> {
    let handled = 0;
    let empty = 0;
    let repositions = 0;
    for (;;) {
      shard.iterator ??= await position(shard);
      if (shard.iterator === undefined) {
        shard.finished = true;
        return handled;
      }
      let output;
      try {
        output = await streamsClient.send(
          new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: RECORDS_PER_CALL }),
        );
      } catch (error) {
        const name = nameOf(error);
        if (repositions++ === MAX_REPOSITIONS) throw error;
        // Iterators expire after 15 minutes; a fresh one resumes after the last record.
        if (name === 'ExpiredIteratorException') shard.iterator = undefined;
        // Records past the 24-hour retention are gone; go on from the oldest that remain.
        else if (name === 'TrimmedDataAccessException') {
          shard.iterator = undefined;
          shard.lastSequenceNumber = undefined;
        } else throw error;
        continue;
      }
      const records = output.Records ?? [];
      if (records.length > 0) {
        try {
          handled += await onRecords(records);
        } catch (error) {
          // Not past this batch: the next poll asks again from the last record handed over.
          shard.iterator = undefined;
          throw error;
        }
        shard.lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber;
        empty = 0;
      } else {
        empty++;
      }
      shard.iterator = output.NextShardIterator;
      if (shard.iterator === undefined) {
        shard.finished = true;
        return handled;
      }
      // An open shard answers empty once it is caught up; a closed one is read to its end.
      if (empty > 0 && (!shard.closed || empty >= MAX_EMPTY_READS_OF_CLOSED_SHARD)) {
        return handled;
      }
    }
  }

  async function refreshShards(): Promise<void> {
    if (listedAt !== undefined && Date.now() - listedAt < LISTING_TTL_MS) return;
    const listed = await listShards();
    listedAt = Date.now();
    const ids = new Set(listed.map((shard) => shard.ShardId));
    // Shards that aged out of the stream are gone for good.
    for (const id of shards.keys()) if (!ids.has(id)) shards.delete(id);
    for (const shard of listed) {
      if (shard.ShardId === undefined) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      const known = shards.get(shard.ShardId);
      if (known !== undefined) known.closed = closed;
      else {
        shards.set(shard.ShardId, {
          shardId: shard.ShardId,
          parentShardId: shard.ParentShardId,
          closed,
          finished: false,
          iterator: undefined,
          lastSequenceNumber: undefined,
        });
      }
    }
  }

  async function pollOnce(): Promise<number> {
    await refreshShards();
    let handled = 0;
    const visited = new Set<string>();
    const ready = (shard: ShardState): boolean => {
      if (shard.finished || visited.has(shard.shardId)) return false;
      const parent =
        shard.parentShardId === undefined ? undefined : shards.get(shard.parentShardId);
      return parent === undefined || parent.finished;
    };
    // Parents first: a shard becomes ready once its parent is read to its end.
    for (let next = [...shards.values()].find(ready); next !== undefined;) {
      visited.add(next.shardId);
      handled += await drain(next);
      if (next.finished) {
        // Its children may be new: list again, and read them in this same poll.
        listedAt = undefined;
        await refreshShards();
      }
      next = [...shards.values()].find(ready);
    }
    return handled;
  }

  return {
    poll(): Promise<number> {
      const run = queue.then(pollOnce);
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

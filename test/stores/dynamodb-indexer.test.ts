import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Changeset, IndexedChangeset } from '../../src/core/index.js';
import { NEW_STREAM, commitChangeset } from '../../src/core/index.js';
import type {
  AssignedCheckpoint,
  DynamoDbStore,
  StreamRecordLike,
  Table,
} from '../../src/stores/dynamodb/index.js';
import { indexStreamRecords } from '../../src/stores/dynamodb/index.js';
import { changesetTargets } from '../../src/stores/dynamodb/indexer.js';
import { COUNTER_KEY } from '../../src/stores/dynamodb/schema.js';
import {
  dynamoDbLocalEndpoint,
  localClient,
  localStreamsClient,
  logCommands,
  openTestStore,
  readRecords,
  recordCollector,
  streamArnOf,
  suiteTitle,
} from '../setup/dynamodb-tables.js';

const endpoint = dynamoDbLocalEndpoint();

const identity = (c: { streamId: string; changesetId: number }): string =>
  JSON.stringify([c.streamId, c.changesetId]);

/**
 * Commits `count` changesets to each stream: round-robin (a1 b1 c1 a2 b2 c2 ...), or with
 * `concurrently` every stream at once (faster; the order across streams is then the race's).
 */
async function commitRoundRobin(
  store: DynamoDbStore,
  streams: readonly string[],
  count: number,
  concurrently = false,
): Promise<Changeset[]> {
  const commit = (streamId: string, n: number) =>
    commitChangeset(store, {
      streamId,
      expectation: n === 0 ? NEW_STREAM : { kind: 'changeset', lastChangesetId: n },
      events: [{ streamId, n }],
      metadata: {},
    });
  const committed: Changeset[] = [];
  for (let n = 0; n < count; n++) {
    if (concurrently) committed.push(...(await Promise.all(streams.map((s) => commit(s, n)))));
    else for (const streamId of streams) committed.push(await commit(streamId, n));
  }
  return committed;
}

/** The whole enumeration, read without the poller: only what the indexer calls assigned. */
async function enumeration(store: DynamoDbStore): Promise<IndexedChangeset[]> {
  const all: IndexedChangeset[] = [];
  for (;;) {
    const page = await store.readGlobal(all.length, 100);
    if (page.length === 0) return all;
    all.push(...page);
  }
}

/**
 * The indexer's guarantees over everything committed: checkpoints 0..n-1 without gap, each
 * committed changeset exactly once (in the enumeration, and among the checkpoints the indexer
 * calls reported assigning), and each stream's changesets in order.
 */
async function expectIndexedOnce(
  store: DynamoDbStore,
  committed: readonly Changeset[],
  assigned: readonly AssignedCheckpoint[],
): Promise<void> {
  const all = await enumeration(store);
  expect(all.map((c) => c.checkpoint)).toEqual(committed.map((_, i) => i));
  expect(all.map(identity).sort()).toEqual(committed.map(identity).sort());
  expect([...assigned].sort((x, y) => x.checkpoint - y.checkpoint)).toEqual(
    all.map((c) => ({
      streamId: c.streamId,
      changesetId: c.changesetId,
      checkpoint: c.checkpoint,
    })),
  );
  const last = new Map<string, number>();
  for (const c of all) {
    expect(c.changesetId).toBe((last.get(c.streamId) ?? 0) + 1);
    last.set(c.streamId, c.changesetId);
  }
}

/** A stream record as a Lambda DynamoDB Streams event delivers it (JSON; binary as base64). */
const asLambdaRecord = (record: _Record): StreamRecordLike =>
  JSON.parse(
    JSON.stringify(
      {
        ...record,
        eventSourceARN: 'arn:aws:dynamodb:local:000000000000:table/t/stream/x',
        dynamodb: {
          ...record.dynamodb,
          ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        },
      },
      (_, value: unknown) =>
        value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
    ),
  ) as StreamRecordLike;

const inserts = (records: readonly _Record[]) => records.filter((r) => r.eventName === 'INSERT');

const changesetIdOf = (record: StreamRecordLike): number =>
  Number(record.dynamodb?.Keys?.changeset_id?.N);

const streamIdOf = (record: StreamRecordLike): string | undefined =>
  record.dynamodb?.Keys?.stream_id?.S;

describe('changesetTargets', () => {
  const record = (
    streamId: string,
    changesetId: number,
    extra: Partial<StreamRecordLike> = {},
    image: Record<string, unknown> = {},
  ): StreamRecordLike => ({
    eventName: 'INSERT',
    ...extra,
    dynamodb: {
      Keys: { stream_id: { S: streamId }, changeset_id: { N: String(changesetId) } },
      NewImage: image,
    },
  });

  it('keeps the highest changeset per stream, in order of first appearance', () => {
    const targets = changesetTargets([
      record('b', 2),
      record('a', 1),
      record('b', 1),
      record('a', 3),
      record('b', 2),
    ]);
    expect([...targets]).toEqual([
      ['b', 2],
      ['a', 3],
    ]);
  });

  it('ignores bookkeeping items, removals, indexed images and malformed keys', () => {
    expect(
      changesetTargets([
        record('$ees:checkpoint-counter', 0, { eventName: 'MODIFY' }),
        record('s', 1, { eventName: 'REMOVE' }),
        record('s', 2, { eventName: 'MODIFY' }, { checkpoint: { N: '7' } }),
        { eventName: 'INSERT', dynamodb: { Keys: { stream_id: { S: 's' } } } },
        { eventName: 'INSERT' },
        {},
      ]).size,
    ).toBe(0);
  });
});

describe.skipIf(endpoint === undefined)(suiteTitle('dynamodb indexer', endpoint), () => {
  const client = localClient(endpoint ?? '');
  const streamsClient = localStreamsClient(endpoint ?? '');
  afterAll(() => {
    client.destroy();
    streamsClient.destroy();
  });

  let store: DynamoDbStore;
  let table: Table;
  let collector: ReturnType<typeof recordCollector>;
  beforeEach(async () => {
    store = await openTestStore(client);
    table = { client, tableName: store.tableName };
    collector = recordCollector(streamsClient, await streamArnOf(client, store.tableName));
  });
  afterEach(async () => {
    await store.close();
  });

  /** Runs the indexer on each batch in turn, collecting what it assigned. */
  async function indexBatches(
    batches: readonly (readonly StreamRecordLike[])[],
    on: Table = table,
  ): Promise<AssignedCheckpoint[]> {
    const assigned: AssignedCheckpoint[] = [];
    for (const batch of batches) assigned.push(...(await indexStreamRecords(on, batch)).assigned);
    return assigned;
  }

  it('numbers a batch read from the stream from 0, in stream order', async () => {
    const committed = await commitRoundRobin(store, ['a', 'b', 'c'], 3);
    const records = await readRecords(collector);
    expect(inserts(records)).toHaveLength(9);
    const assigned = await indexBatches([records]);
    await expectIndexedOnce(store, committed, assigned);
    // Within a batch the streams come in the order of their first record.
    expect(assigned.slice(0, 3).map((a) => [a.streamId, a.changesetId])).toEqual([
      ['a', 1],
      ['a', 2],
      ['a', 3],
    ]);
  });

  it('indexes each changeset once when records are duplicated', async () => {
    const committed = await commitRoundRobin(store, ['a', 'b'], 3);
    const records = await readRecords(collector);
    const duplicated = records.flatMap((r) => [r, r]);
    const assigned = await indexBatches([[...duplicated, ...records.slice().reverse()]]);
    await expectIndexedOnce(store, committed, assigned);
  });

  it('assigns nothing when a batch is retried, however often', async () => {
    const committed = await commitRoundRobin(store, ['a', 'b'], 2);
    const records = await readRecords(collector);
    const first = await indexBatches([records]);
    const retried = await indexBatches([records, records, records.slice(1)]);
    expect(retried).toEqual([]);
    await expectIndexedOnce(store, committed, first);
  });

  it('keeps stream order when a stream’s records come split across batches in reverse', async () => {
    const committed = await commitRoundRobin(store, ['s', 't'], 5);
    const records = inserts(await readRecords(collector));
    // One record per batch, the latest first: t5 s5 t4 s4 ... t1 s1.
    const batches = records
      .slice()
      .reverse()
      .map((r) => [r]);
    const assigned = await indexBatches(batches);
    await expectIndexedOnce(store, committed, assigned);
    // The first batch (t5) brought t1..t5 with it, in order; the second (s5) all of s; the
    // other eight found their changesets indexed.
    expect(assigned.map((a) => `${a.streamId}${a.changesetId}`)).toEqual([
      ...['t1', 't2', 't3', 't4', 't5'],
      ...['s1', 's2', 's3', 's4', 's5'],
    ]);
  });

  it('indexes a later changeset’s predecessors that are in no batch at all', async () => {
    const committed = await commitRoundRobin(store, ['s'], 4);
    const records = inserts(await readRecords(collector));
    // Only the record of changeset 3 arrives: 1 and 2 come along, 4 waits for its own record.
    const assigned = await indexBatches([records.filter((r) => changesetIdOf(r) === 3)]);
    expect(assigned.map((a) => [a.changesetId, a.checkpoint])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
    assigned.push(...(await indexBatches([records])));
    await expectIndexedOnce(store, committed, assigned);
  });

  it('accepts records as a Lambda DynamoDB Streams event delivers them', async () => {
    const committed = await commitRoundRobin(store, ['a', 'b'], 2);
    const records = (await readRecords(collector)).map(asLambdaRecord);
    expect(records.every((r) => typeof r.eventID === 'string')).toBe(true);
    const assigned = await indexBatches([records]);
    await expectIndexedOnce(store, committed, assigned);
  });

  it('ignores records that are not changesets, without a single request', async () => {
    const committed = await commitRoundRobin(store, ['a'], 2);
    const assigned = await indexBatches([await readRecords(collector)]);
    await store.writeProjection('statistics', { checkpoint: 2, state: {} }, undefined);
    // Now the stream holds the indexer's own updates (changesets with checkpoints, the
    // counter) and the projection's write.
    const later = await readRecords(collector);
    expect(later.length).toBeGreaterThanOrEqual(4);
    expect(later.some((r) => streamIdOf(r) === '$ees:checkpoint-counter')).toBe(true);
    const log = logCommands(client);
    expect(await indexBatches([later])).toEqual([]);
    log.stop();
    expect(log.names()).toEqual([]);
    await expectIndexedOnce(store, committed, assigned);
  });

  describe('crashes', () => {
    /**
     * A client of the same DynamoDB Local that fails its `nth` TransactWriteItems: before
     * sending it (the indexer dies before its step), or after DynamoDB applied it (the
     * response is lost: the indexer dies right after its step).
     */
    function crashingClient(when: 'before' | 'after', nth = 1): DynamoDBClient {
      const crashing = localClient(endpoint ?? '');
      let transactions = 0;
      crashing.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName !== 'TransactWriteItemsCommand' || ++transactions !== nth) {
            return next(args);
          }
          if (when === 'before') throw new Error('crash before the transaction');
          await next(args);
          throw new Error('crash after the transaction');
        },
        { step: 'initialize', name: 'crash' },
      );
      return crashing;
    }

    async function counter(): Promise<string | undefined> {
      const output = await client.send(
        new GetItemCommand({ TableName: store.tableName, Key: COUNTER_KEY, ConsistentRead: true }),
      );
      return output.Item?.next_checkpoint?.N;
    }

    it('a crash before a step leaves no trace, and the retry numbers everything', async () => {
      const committed = await commitRoundRobin(store, ['a', 'b'], 3);
      const records = await readRecords(collector);
      const crashing = crashingClient('before');
      await expect(
        indexStreamRecords({ client: crashing, tableName: store.tableName }, records),
      ).rejects.toThrow('crash before the transaction');
      crashing.destroy();
      expect(await counter()).toBeUndefined();
      expect(await enumeration(store)).toEqual([]);
      const assigned = await indexBatches([records]);
      await expectIndexedOnce(store, committed, assigned);
    });

    it('a crash after a step (between counter and the rest) is completed by the retry', async () => {
      // 130 changesets: two transactions (99 + 31). The crash hits after the first applied.
      const committed = await commitRoundRobin(store, ['a', 'b', 'c', 'd', 'e'], 26, true);
      const records = await readRecords(collector);
      const crashing = crashingClient('after');
      await expect(
        indexStreamRecords({ client: crashing, tableName: store.tableName }, records),
      ).rejects.toThrow('crash after the transaction');
      crashing.destroy();
      // The first step is complete, counter and checkpoints together; nothing else happened.
      expect(await counter()).toBe('99');
      const afterCrash = await enumeration(store);
      expect(afterCrash.map((c) => c.checkpoint)).toEqual(Array.from({ length: 99 }, (_, i) => i));
      // The Lambda retries the batch: the retry skips what the first step did.
      const retried = await indexBatches([records]);
      expect(retried).toHaveLength(31);
      await expectIndexedOnce(store, committed, [
        ...afterCrash.map((c) => ({
          streamId: c.streamId,
          changesetId: c.changesetId,
          checkpoint: c.checkpoint,
        })),
        ...retried,
      ]);
    });
  });

  describe('several indexers at once', () => {
    it('two indexers on the same batch number each changeset once', async () => {
      const committed = await commitRoundRobin(store, ['a', 'b', 'c'], 4);
      const records = await readRecords(collector);
      const other = localClient(endpoint ?? '');
      try {
        const results = await Promise.all([
          indexStreamRecords(table, records),
          indexStreamRecords({ client: other, tableName: store.tableName }, records),
        ]);
        await expectIndexedOnce(
          store,
          committed,
          results.flatMap((r) => r.assigned),
        );
      } finally {
        other.destroy();
      }
    });

    it('two indexers on batches of different streams never give out a checkpoint twice', async () => {
      // Nothing but the counter's condition separates them: they touch different changesets.
      const committed = await commitRoundRobin(store, ['a', 'b', 'c', 'd'], 3);
      const records = inserts(await readRecords(collector));
      const other = localClient(endpoint ?? '');
      try {
        const results = await Promise.all([
          indexStreamRecords(
            table,
            records.filter((r) => ['a', 'b'].includes(streamIdOf(r) ?? '')),
          ),
          indexStreamRecords(
            { client: other, tableName: store.tableName },
            records.filter((r) => ['c', 'd'].includes(streamIdOf(r) ?? '')),
          ),
        ]);
        await expectIndexedOnce(
          store,
          committed,
          results.flatMap((r) => r.assigned),
        );
      } finally {
        other.destroy();
      }
    });

    it('four indexers on overlapping, reordered batches keep every guarantee', async () => {
      const streams = Array.from({ length: 8 }, (_, i) => `stream-${i}`);
      const committed = await commitRoundRobin(store, streams, 4, true);
      const records = inserts(await readRecords(collector));
      const half = Math.floor(records.length / 2);
      const batches: StreamRecordLike[][] = [
        records.slice(0, half),
        records.slice(half).reverse(),
        records.filter((_, i) => i % 3 === 0),
        records.slice().reverse(),
      ];
      const clients = batches.map(() => localClient(endpoint ?? ''));
      try {
        const results = await Promise.all(
          batches.map((batch, i) =>
            indexStreamRecords({ client: clients[i] ?? client, tableName: store.tableName }, batch),
          ),
        );
        await expectIndexedOnce(
          store,
          committed,
          results.flatMap((r) => r.assigned),
        );
      } finally {
        for (const c of clients) c.destroy();
      }
    });

    it('indexers racing commits that are still arriving stay gapless', async () => {
      const streams = ['a', 'b', 'c', 'd'];
      const committed: Changeset[] = [];
      const assigned: AssignedCheckpoint[] = [];
      const other = localClient(endpoint ?? '');
      try {
        for (let round = 0; round < 3; round++) {
          committed.push(
            ...(await Promise.all(
              streams.map((streamId) =>
                commitChangeset(store, {
                  streamId,
                  expectation: { kind: 'changeset', lastChangesetId: round },
                  events: [{ round }],
                  metadata: {},
                }),
              ),
            )),
          );
          const records = await readRecords(collector);
          const results = await Promise.all([
            indexStreamRecords(table, records),
            indexStreamRecords({ client: other, tableName: store.tableName }, records.reverse()),
          ]);
          assigned.push(...results.flatMap((r) => r.assigned));
        }
        await expectIndexedOnce(store, committed, assigned);
      } finally {
        other.destroy();
      }
    });
  });
});

import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterEach, describe, expect, it } from 'vitest';
import { createStreamPoller } from '../../src/stores/dynamodb/index.js';

/*
 * The poller against a scripted DynamoDB Streams API: DynamoDB Local has one shard per table
 * and never splits or rolls it, so shard lineage, expired iterators and trimmed records are
 * exercised here, against a client whose requests never leave the process.
 */

interface FakeShard {
  readonly id: string;
  readonly parent?: string;
  /** Closed shards end; open ones may still grow. */
  closed: boolean;
  readonly records: _Record[];
}

const record = (sequence: number, streamId: string): _Record => ({
  eventName: 'INSERT',
  dynamodb: {
    SequenceNumber: String(sequence).padStart(21, '0'),
    Keys: { stream_id: { S: streamId }, changeset_id: { N: String(sequence) } },
  },
});

/** A streams client answering from `shards`; iterators are `<shard>@<index>`. */
function fakeStreams(shards: FakeShard[]) {
  const calls: string[] = [];
  const failures: string[] = [];
  const client = new DynamoDBStreamsClient({
    region: 'local',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const fail = (name: string) => {
    throw Object.assign(new Error(name), { name, $metadata: {} });
  };
  client.middlewareStack.add(
    (_next, context) => (args) => {
      const input = args.input as Record<string, string | undefined>;
      const name = context.commandName ?? '';
      const shardOf = (id: string | undefined) => {
        const shard = shards.find((s) => s.id === id);
        if (shard === undefined) throw new Error(`no shard ${id}`);
        return shard;
      };
      let output: unknown;
      if (name === 'DescribeStreamCommand') {
        calls.push('describe');
        output = {
          StreamDescription: {
            Shards: shards.map((s) => ({
              ShardId: s.id,
              ParentShardId: s.parent,
              SequenceNumberRange: {
                StartingSequenceNumber: '0',
                EndingSequenceNumber: s.closed ? '9' : undefined,
              },
            })),
          },
        };
      } else if (name === 'GetShardIteratorCommand') {
        const shard = shardOf(input.ShardId);
        calls.push(
          `iterator ${shard.id} ${input.ShardIteratorType} ${input.SequenceNumber ?? ''}`.trim(),
        );
        const index =
          input.ShardIteratorType === 'TRIM_HORIZON'
            ? 0
            : shard.records.findIndex((r) => r.dynamodb?.SequenceNumber === input.SequenceNumber) +
              1;
        output = { ShardIterator: `${shard.id}@${index}` };
      } else if (name === 'GetRecordsCommand') {
        const [id, at] = (input.ShardIterator ?? '').split('@');
        const shard = shardOf(id);
        const failure = failures.shift();
        if (failure !== undefined) fail(failure);
        const index = Number(at);
        const records = shard.records.slice(index, index + 2);
        calls.push(`read ${shard.id} ${records.length}`);
        const end = index + records.length;
        output = {
          Records: records,
          NextShardIterator:
            shard.closed && end >= shard.records.length ? undefined : `${id}@${end}`,
        };
      } else {
        throw new Error(`unexpected ${name}`);
      }
      return Promise.resolve({ output: output as never, response: {} });
    },
    { step: 'initialize', name: 'fake-streams' },
  );
  return { client, calls, failures };
}

const keysOf = (records: readonly _Record[]) =>
  records.map((r) => `${r.dynamodb?.Keys?.stream_id?.S}${r.dynamodb?.Keys?.changeset_id?.N}`);

describe('stream poller (scripted shards)', () => {
  const clients: DynamoDBStreamsClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });

  function poller(shards: FakeShard[], onRecords?: (records: readonly _Record[]) => void) {
    const fake = fakeStreams(shards);
    clients.push(fake.client);
    const handed: _Record[] = [];
    const stream = createStreamPoller({
      streamsClient: fake.client,
      streamArn: 'arn:aws:dynamodb:local:0:table/t/stream/s',
      onRecords: (records) => {
        onRecords?.(records);
        handed.push(...records);
        return Promise.resolve(records.length);
      },
    });
    return { stream, handed, ...fake };
  }

  it('reads a parent shard to its end before its children, whatever the listing order', async () => {
    const shards: FakeShard[] = [
      { id: 'child-b', parent: 'parent', closed: false, records: [record(6, 'b')] },
      { id: 'child-a', parent: 'parent', closed: false, records: [record(5, 'a')] },
      { id: 'grandchild', parent: 'child-b', closed: false, records: [record(7, 'g')] },
      { id: 'parent', closed: true, records: [1, 2, 3].map((n) => record(n, 'p')) },
      { id: 'other', closed: false, records: [record(4, 'o')] },
    ];
    const { stream, handed, calls } = poller(shards);
    expect(await stream.poll()).toBe(6);
    const order = keysOf(handed);
    expect(order.slice(0, 3)).toEqual(['p1', 'p2', 'p3']);
    expect(new Set(order)).toEqual(new Set(['p1', 'p2', 'p3', 'o4', 'a5', 'b6']));
    // The grandchild waits for its open parent to close.
    expect(order).not.toContain('g7');
    // Every new shard starts at the trim horizon; the parent is positioned first.
    const iterators = calls.filter((c) => c.startsWith('iterator'));
    expect([...iterators].sort()).toEqual(
      ['child-a', 'child-b', 'other', 'parent'].map((id) => `iterator ${id} TRIM_HORIZON`),
    );
    expect(iterators.indexOf('iterator parent TRIM_HORIZON')).toBeLessThan(
      Math.min(
        iterators.indexOf('iterator child-a TRIM_HORIZON'),
        iterators.indexOf('iterator child-b TRIM_HORIZON'),
      ),
    );
    // child-b closes: its child becomes readable in the same poll, after child-b's last record.
    shards[0]?.records.push(record(8, 'b'));
    if (shards[0] !== undefined) shards[0].closed = true;
    expect(await stream.poll()).toBe(2);
    expect(keysOf(handed).slice(6)).toEqual(['b8', 'g7']);
  });

  it('hands each record over once, and continues after the last one handed over', async () => {
    const shards: FakeShard[] = [
      { id: 's', closed: false, records: [record(1, 'x'), record(2, 'x')] },
    ];
    const { stream, handed, calls } = poller(shards);
    await stream.poll();
    shards[0]?.records.push(record(3, 'x'));
    await stream.poll();
    await stream.poll();
    expect(keysOf(handed)).toEqual(['x1', 'x2', 'x3']);
    // One iterator for the whole life of the shard; the listing is reused between polls.
    expect(calls.filter((c) => c.startsWith('iterator'))).toEqual(['iterator s TRIM_HORIZON']);
    expect(calls.filter((c) => c === 'describe')).toEqual(['describe']);
  });

  it('re-reads a batch the handler failed, from after the last record it took', async () => {
    const shards: FakeShard[] = [
      { id: 's', closed: false, records: [1, 2, 3, 4].map((n) => record(n, 'x')) },
    ];
    let failOn: string | undefined = 'x3';
    const { stream, handed, calls } = poller(shards, (records) => {
      if (failOn !== undefined && keysOf(records).includes(failOn)) {
        failOn = undefined;
        throw new Error('indexer down');
      }
    });
    await expect(stream.poll()).rejects.toThrow('indexer down');
    expect(keysOf(handed)).toEqual(['x1', 'x2']);
    await stream.poll();
    expect(keysOf(handed)).toEqual(['x1', 'x2', 'x3', 'x4']);
    expect(calls.filter((c) => c.startsWith('iterator'))).toEqual([
      'iterator s TRIM_HORIZON',
      `iterator s AFTER_SEQUENCE_NUMBER ${'2'.padStart(21, '0')}`,
    ]);
  });

  it('takes a new iterator when one expired, and starts over when records were trimmed', async () => {
    const shards: FakeShard[] = [{ id: 's', closed: false, records: [record(1, 'x')] }];
    const { stream, handed, calls, failures } = poller(shards);
    await stream.poll();
    shards[0]?.records.push(record(2, 'x'));
    failures.push('ExpiredIteratorException');
    await stream.poll();
    expect(keysOf(handed)).toEqual(['x1', 'x2']);
    failures.push('TrimmedDataAccessException');
    await stream.poll();
    // Trimmed: the poller goes back to the oldest record left (here all are: x1 and x2 again).
    expect(keysOf(handed)).toEqual(['x1', 'x2', 'x1', 'x2']);
    expect(calls.filter((c) => c.startsWith('iterator'))).toEqual([
      'iterator s TRIM_HORIZON',
      `iterator s AFTER_SEQUENCE_NUMBER ${'1'.padStart(21, '0')}`,
      'iterator s TRIM_HORIZON',
    ]);
  });

  it('forgets shards that aged out of the stream', async () => {
    const shards: FakeShard[] = [
      { id: 'old', closed: true, records: [record(1, 'x')] },
      { id: 'new', parent: 'old', closed: false, records: [record(2, 'x')] },
    ];
    const { stream, handed } = poller(shards);
    await stream.poll();
    shards.splice(0, 1);
    shards[0]?.records.push(record(3, 'x'));
    await stream.poll();
    expect(keysOf(handed)).toEqual(['x1', 'x2', 'x3']);
  });
});

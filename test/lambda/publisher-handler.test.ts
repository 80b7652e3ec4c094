import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Changeset } from '../../src/core/index.js';
import { createPublisherHandler } from '../../src/lambda/index.js';
import type { ChangesetPublisher } from '../../src/push/sns/index.js';
import {
  at,
  bookkeepingRecord,
  commitRecord,
  indexedRecord,
  interleave,
  streamCommits,
  streamEvent,
} from './stream-events.js';

/** A publisher that records what it is handed and fails the changesets `fail` picks. */
function recordingPublisher(fail: (changeset: Changeset) => boolean = () => false) {
  const published: Changeset[][] = [];
  const publisher: ChangesetPublisher = {
    publish(changesets) {
      published.push([...changesets]);
      const failed = new Set<number>();
      changesets.forEach((changeset, position) => {
        if (fail(changeset)) failed.add(position);
      });
      return Promise.resolve(failed);
    },
  };
  return { publisher, published };
}

const ids = (changesets: readonly Changeset[]) =>
  changesets.map((c) => `${c.streamId}#${c.changesetId}`);
const sequenceNumbers = (records: readonly DynamoDBRecord[], positions: number[]) =>
  positions.map((position) => ({ itemIdentifier: records[position]?.dynamodb?.SequenceNumber }));

describe('the publisher function', () => {
  it('publishes the commits of a batch, decoded from their new images, in batch order', async () => {
    const big = { blob: 'x'.repeat(300_000), more: 'y'.repeat(120_000) }; // compressed by the store
    const a = await streamCommits('a', [[{ n: 1 }, { n: 2 }], [{ n: 3 }]]);
    const b = await streamCommits('b', [[big]]);
    expect(b[0]?.dynamodb?.NewImage).toHaveProperty('payload_format', { S: 'brotli+json' });
    const event = streamEvent([
      ...interleave(a, b),
      indexedRecord(at(a, 0), 0),
      bookkeepingRecord(),
      { ...at(a, 1), eventName: 'REMOVE' },
    ]);
    const { publisher, published } = recordingPublisher();
    const handler = createPublisherHandler({ publisher });
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(published).toHaveLength(1);
    const [changesets = []] = published;
    expect(ids(changesets)).toEqual(['a#1', 'b#1', 'a#2']);
    expect(changesets[0]).toMatchObject({
      streamId: 'a',
      changesetId: 1,
      firstEventId: 1,
      lastEventId: 2,
      events: [{ n: 1 }, { n: 2 }],
      metadata: {},
    });
    expect(changesets[1]?.events).toEqual([big]);
    expect(changesets[2]).toMatchObject({ firstEventId: 3, events: [{ n: 3 }] });
  });

  it('reports a failed changeset and every later record of its stream, by sequence number', async () => {
    const a = await streamCommits('a', [[{}], [{}], [{}]]);
    const b = await streamCommits('b', [[{}], [{}]]);
    const event = streamEvent(interleave(a, b)); // a1 b1 a2 b2 a3
    const { publisher } = recordingPublisher((c) => c.streamId === 'a' && c.changesetId === 2);
    const handler = createPublisherHandler({ publisher });
    expect(await handler(event)).toEqual({
      batchItemFailures: sequenceNumbers(event.Records, [2]),
    });
  });

  it('does not publish past a record it cannot decode, in that stream only', async () => {
    const a = await streamCommits('a', [[{}], [{}], [{}]]);
    const b = await streamCommits('b', [[{}], [{}]]);
    const records = interleave(a, b); // a1 b1 a2 b2 a3
    const corrupt = at(records, 2);
    records[2] = {
      ...corrupt,
      dynamodb: {
        ...corrupt.dynamodb,
        NewImage: { ...corrupt.dynamodb?.NewImage, events: { S: '[' } },
      },
    };
    const event = streamEvent(records);
    const { publisher, published } = recordingPublisher();
    const errors: unknown[] = [];
    const handler = createPublisherHandler({ publisher, onError: (e) => errors.push(e) });
    expect(await handler(event)).toEqual({
      batchItemFailures: sequenceNumbers(event.Records, [2, 4]),
    });
    expect(ids(published[0] ?? [])).toEqual(['a#1', 'b#1', 'b#2']);
    expect(errors).toHaveLength(1);
  });

  it('fails a commit record without a new image (a stream not configured with NEW_IMAGE)', async () => {
    const record = await commitRecord({
      streamId: 's',
      changesetId: 1,
      firstEventId: 1,
      events: [{}],
    });
    const event = streamEvent([
      { ...record, dynamodb: { ...record.dynamodb, NewImage: undefined } },
    ]);
    const errors: unknown[] = [];
    const handler = createPublisherHandler({
      publisher: recordingPublisher().publisher,
      onError: (e) => errors.push(e),
    });
    expect((await handler(event)).batchItemFailures).toHaveLength(1);
    expect(String(errors[0])).toMatch(/new image/);
  });

  it('throws, failing the whole batch, when a failed record has no sequence number', async () => {
    const record = await commitRecord({
      streamId: 's',
      changesetId: 1,
      firstEventId: 1,
      events: [{}],
    });
    const handler = createPublisherHandler({ publisher: recordingPublisher(() => true).publisher });
    await expect(
      handler({
        Records: [{ ...record, dynamodb: { ...record.dynamodb, SequenceNumber: undefined } }],
      }),
    ).rejects.toThrow(/sequence number/);
  });
});

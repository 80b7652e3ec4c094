import type { PublishBatchInput, PublishBatchResponse } from '@aws-sdk/client-sns';
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPublisherHandler } from '../../src/lambda/index.js';
import type { PublishBatch } from '../../src/push/sns/index.js';
import {
  createSnsChangesetPublisher,
  messageGroupId,
  snsPublishBatch,
} from '../../src/push/sns/index.js';
import type { PushEmulator } from '../push/fauxqs.js';
import { startPushEmulator } from '../push/fauxqs.js';
import { interleave, streamCommits, streamEvent } from './stream-events.js';

/*
 * The publisher function against fauxqs (SNS FIFO topics fanning out to SQS FIFO queues): what a
 * subscriber receives, per stream in order, each message once, however batches are retried.
 */

let emulator: PushEmulator;
beforeAll(async () => {
  emulator = await startPushEmulator();
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(async () => {
  // Leftovers of a previous test would be received by this one.
  await emulator.receiveChangesets();
  await emulator.receiveEvents();
});

const handlerWith = (publishBatch: PublishBatch) =>
  createPublisherHandler({
    publisher: createSnsChangesetPublisher({
      publishBatch,
      changesetsTopicArn: emulator.changesetsTopicArn,
      eventsTopicArn: emulator.eventsTopicArn,
      onError: () => undefined,
    }),
  });

/** What Lambda does with a partial batch response: send again from the lowest failed record. */
function retryOf(event: DynamoDBStreamEvent, failures: { itemIdentifier: string }[]) {
  const first = event.Records.findIndex(
    (record) => record.dynamodb?.SequenceNumber === failures[0]?.itemIdentifier,
  );
  return { Records: event.Records.slice(first) };
}

type Received = Record<string, unknown>;
const of = (stream: string, messages: unknown[]) =>
  (messages as Received[]).filter((m) => m.stream_id === stream);

/**
 * Stream ids of their own for each test: the queues remember deduplication ids for five minutes,
 * so a test reusing another's ids would see its messages dropped.
 */
let run = 0;
const unique = (name: string) => `${name}-${run}`;
beforeEach(() => {
  run++;
});

/** Three streams, 4 changesets each, 1-3 events each: 12 changeset and 24 event messages. */
async function threeStreams(): Promise<{ event: DynamoDBStreamEvent; streams: string[] }> {
  const streams = [unique('order-1'), unique('order-2'), unique('café ☕')];
  const lists = await Promise.all(
    streams.map((stream) =>
      streamCommits(
        stream,
        [1, 2, 3, 2].map((count, c) =>
          Array.from({ length: count }, (_, e) => ({ stream, changeset: c + 1, e })),
        ),
      ),
    ),
  );
  return { event: streamEvent(interleave(...lists)), streams };
}

describe('the publisher function on SNS FIFO (fauxqs)', () => {
  it('delivers every changeset and event once, each stream in order, in the contract shape', async () => {
    const { event, streams } = await threeStreams();
    const handler = handlerWith(snsPublishBatch(emulator.sns));
    expect(await handler(event)).toEqual({ batchItemFailures: [] });

    const changesets = await emulator.receiveChangesets();
    const events = await emulator.receiveEvents();
    expect(changesets).toHaveLength(12);
    expect(events).toHaveLength(24);
    for (const stream of streams) {
      expect(of(stream, changesets).map((m) => m.changeset_id)).toEqual([1, 2, 3, 4]);
      expect(of(stream, events).map((m) => m.event_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    }
    const order2 = unique('order-2');
    expect(of(order2, changesets)[1]).toEqual({
      stream_id: order2,
      changeset_id: 2,
      events: [
        { stream: order2, changeset: 2, e: 0 },
        { stream: order2, changeset: 2, e: 1 },
      ],
      metadata: {},
    });
    expect(of(order2, events)[2]).toEqual({
      stream_id: order2,
      changeset_id: 2,
      event_id: 3,
      data: { stream: order2, changeset: 2, e: 1 },
    });
  });

  it('publishes nothing new when the same batch is delivered again', async () => {
    const { event } = await threeStreams();
    const handler = handlerWith(snsPublishBatch(emulator.sns));
    await handler(event);
    expect(await emulator.receiveChangesets()).toHaveLength(12);
    expect(await emulator.receiveEvents()).toHaveLength(24);

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await emulator.receiveChangesets()).toEqual([]);
    expect(await emulator.receiveEvents()).toEqual([]);
  });

  it('after a partial failure, the retry completes the stream in order and repeats nothing', async () => {
    const { event, streams } = await threeStreams();
    const flakyGroup = messageGroupId(unique('order-2'));
    let refusals = 0;
    // SNS refuses order-2's events while it is "throttled"; everything else goes through.
    const throttled: PublishBatch = async (input: PublishBatchInput) => {
      const entries = input.PublishBatchRequestEntries ?? [];
      const refused =
        input.TopicArn === emulator.eventsTopicArn && refusals < 1
          ? entries.filter((entry) => entry.MessageGroupId === flakyGroup)
          : [];
      if (refused.length > 0) refusals++;
      const passed = entries.filter((entry) => !refused.includes(entry));
      const response: PublishBatchResponse =
        passed.length === 0
          ? {}
          : await emulator.sns.send(
              new PublishBatchCommand({
                ...input,
                PublishBatchRequestEntries: passed,
              }),
            );
      return {
        Successful: response.Successful ?? [],
        Failed: [
          ...(response.Failed ?? []),
          ...refused.map((entry) => ({ Id: entry.Id, Code: 'Throttled', SenderFault: false })),
        ],
      };
    };
    const handler = handlerWith(throttled);
    const first = await handler(event);
    expect(first.batchItemFailures.length).toBeGreaterThan(0);
    const failedStreams = new Set(
      first.batchItemFailures.map(
        (failure) =>
          event.Records.find((r) => r.dynamodb?.SequenceNumber === failure.itemIdentifier)?.dynamodb
            ?.Keys?.stream_id?.S,
      ),
    );
    expect(failedStreams).toEqual(new Set([unique('order-2')]));
    const partialEvents = await emulator.receiveEvents();
    expect(of(unique('order-2'), partialEvents)).toEqual([]);

    const second = await handler(retryOf(event, first.batchItemFailures));
    expect(second).toEqual({ batchItemFailures: [] });
    // Both attempts together: every message once, each stream in order on both topics.
    const changesets = await emulator.receiveChangesets();
    const events = [...partialEvents, ...(await emulator.receiveEvents())];
    expect(changesets).toHaveLength(12);
    expect(events).toHaveLength(24);
    for (const stream of streams) {
      expect(of(stream, changesets).map((m) => m.changeset_id)).toEqual([1, 2, 3, 4]);
      expect(of(stream, events).map((m) => m.event_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    }
  });

  it('leaves out a changeset message over SNS size limit, reports it, and goes on with its stream', async () => {
    const [sa, sb] = [unique('a'), unique('b')];
    const a = await streamCommits(sa, [[{ n: 1 }], [{ n: 2 }]]);
    const b = await streamCommits(sb, [
      [{ n: 1 }],
      [{ half: 'x'.repeat(140_000) }, { half: 'y'.repeat(140_000) }],
      [{ n: 4 }],
    ]);
    const event = streamEvent(interleave(a, b)); // a1 b1 a2 b2 b3
    const errors: unknown[] = [];
    const handler = createPublisherHandler({
      publisher: createSnsChangesetPublisher({
        publishBatch: snsPublishBatch(emulator.sns),
        changesetsTopicArn: emulator.changesetsTopicArn,
        eventsTopicArn: emulator.eventsTopicArn,
        onError: (error) => errors.push(error),
      }),
    });
    // No retry could publish it: nothing fails, nothing is held back.
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(errors.map(String)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Error: Not published: the changesets message of stream "${sb}", changeset 2, is \\d+ bytes`,
        ),
      ) as unknown,
    ]);
    const changesets = await emulator.receiveChangesets();
    expect(of(sa, changesets).map((m) => m.changeset_id)).toEqual([1, 2]);
    expect(of(sb, changesets).map((m) => m.changeset_id)).toEqual([1, 3]);
    // Each half fits an events message: the events topic has them all.
    expect(of(sb, await emulator.receiveEvents()).map((m) => m.event_id)).toEqual([1, 2, 3, 4]);
  });
});

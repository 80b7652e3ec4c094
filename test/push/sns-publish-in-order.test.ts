import type { PublishBatchInput, PublishBatchResponse } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { SnsMessage } from '../../src/push/sns/index.js';
import { publishInOrder } from '../../src/push/sns/index.js';

const message = (stream: string, n: number, bytes = 10): SnsMessage => ({
  channel: 'events',
  streamId: stream,
  changesetId: n,
  eventId: n,
  body: JSON.stringify({ s: stream, n }).padEnd(bytes, ' '),
  groupId: `g-${stream}`,
  deduplicationId: `d-${stream}-${n}`,
});

/** An SNS that records calls and refuses the entries `refuse` picks (or throws on a call). */
function fakeSns(options: { refuse?: (body: string) => boolean; throwOnCall?: number } = {}) {
  const calls: PublishBatchInput[] = [];
  const published: string[] = [];
  const publishBatch = (input: PublishBatchInput): Promise<PublishBatchResponse> => {
    calls.push(input);
    if (calls.length === options.throwOnCall) return Promise.reject(new Error('SNS is down'));
    const entries = input.PublishBatchRequestEntries ?? [];
    const refused = entries.filter((entry) => options.refuse?.(entry.Message ?? '') === true);
    const accepted = entries.filter((entry) => !refused.includes(entry));
    published.push(...accepted.map((entry) => entry.Message ?? ''));
    return Promise.resolve({
      Successful: accepted.map((entry) => ({ Id: entry.Id, MessageId: `m-${entry.Id}` })),
      Failed: refused.map((entry) => ({ Id: entry.Id, Code: 'InternalError', SenderFault: false })),
    });
  };
  return { publishBatch, calls, published };
}

const streamOf = (body: string) => (JSON.parse(body) as { s: string }).s;

describe('publishInOrder', () => {
  it('publishes everything, ten per call at most, in the order given', async () => {
    const messages = Array.from({ length: 23 }, (_, n) => message(n % 2 === 0 ? 'a' : 'b', n));
    const sns = fakeSns();
    expect(await publishInOrder(sns.publishBatch, 'arn:topic', messages)).toEqual(new Set());
    expect(sns.calls.map((call) => call.PublishBatchRequestEntries?.length)).toEqual([10, 10, 3]);
    expect(sns.published).toEqual(messages.map((m) => m.body));
    const entry = sns.calls[0]?.PublishBatchRequestEntries?.[0];
    expect(entry).toEqual({
      Id: '0',
      Message: messages[0]?.body,
      MessageGroupId: 'g-a',
      MessageDeduplicationId: 'd-a-0',
    });
    expect(sns.calls.every((call) => call.TopicArn === 'arn:topic')).toBe(true);
  });

  it('cuts calls so that their messages stay within the payload limit', async () => {
    const messages = Array.from({ length: 5 }, (_, n) => message('a', n, 400));
    const sns = fakeSns();
    await publishInOrder(sns.publishBatch, 'arn:topic', messages, { maxPayloadBytes: 1000 });
    expect(sns.calls.map((call) => call.PublishBatchRequestEntries?.length)).toEqual([2, 2, 1]);
  });

  it('stops a stream at its first refused message and goes on with the others', async () => {
    // Call 1 holds messages 0-9 and ends with the refused "a" 9; call 2 holds 10-19.
    const messages = Array.from({ length: 20 }, (_, n) => message(n % 2 ? 'a' : 'b', n));
    const sns = fakeSns({ refuse: (body) => body.includes('"n":9,') || body.includes('"n":9}') });
    const failed = await publishInOrder(sns.publishBatch, 'arn:topic', messages);
    expect(failed).toEqual(new Set([9, 11, 13, 15, 17, 19]));
    expect(sns.published.filter((body) => streamOf(body) === 'a')).toEqual(
      [1, 3, 5, 7].map((n) => messages[n]?.body),
    );
    expect(sns.published.filter((body) => streamOf(body) === 'b')).toEqual(
      messages.filter((m) => m.streamId === 'b').map((m) => m.body),
    );
    expect(sns.calls.map((call) => call.PublishBatchRequestEntries?.length)).toEqual([10, 5]);
  });

  it('reports SNS accepting a later message of a stream after refusing an earlier one in the same call', async () => {
    const messages = [message('a', 0), message('a', 1), message('a', 2)];
    const sns = fakeSns({ refuse: (body) => body.includes('"n":1') });
    const errors: unknown[] = [];
    const failed = await publishInOrder(sns.publishBatch, 'arn:topic', messages, {
      onError: (error) => errors.push(error),
    });
    expect(failed).toEqual(new Set([1]));
    expect(errors.map(String)).toEqual([
      expect.stringContaining('did not publish') as unknown,
      expect.stringContaining('out of order') as unknown,
    ]);
  });

  it('never sends a message above the size limit: it is reported and left out, and its stream goes on', async () => {
    const messages = [message('a', 0, 50), message('a', 1, 2000), message('a', 2), message('b', 3)];
    const sns = fakeSns();
    const errors: unknown[] = [];
    const failed = await publishInOrder(sns.publishBatch, 'arn:topic', messages, {
      maxPayloadBytes: 1000,
      onError: (error) => errors.push(error),
    });
    expect(failed).toEqual(new Set());
    expect(sns.published).toEqual([messages[0]?.body, messages[2]?.body, messages[3]?.body]);
    expect(errors.map(String)).toEqual([
      'Error: Not published: the events message of stream "a", changeset 1, event 1, is 2000 bytes; SNS takes at most 1000. The stream\'s later messages go on.',
    ]);
  });

  it('fails everything from a call that throws on, without further calls', async () => {
    const messages = Array.from({ length: 25 }, (_, n) => message(`s${n % 3}`, n));
    const sns = fakeSns({ throwOnCall: 2 });
    const failed = await publishInOrder(sns.publishBatch, 'arn:topic', messages);
    expect(sns.calls).toHaveLength(2);
    expect(failed).toEqual(new Set(Array.from({ length: 15 }, (_, n) => n + 10)));
  });

  it('counts an entry SNS said nothing about as not published', async () => {
    const failed = await publishInOrder(
      () => Promise.resolve({ Successful: [{ Id: '0' }], Failed: [] }),
      'arn:topic',
      [message('a', 0), message('b', 1)],
    );
    expect(failed).toEqual(new Set([1]));
  });
});

import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { StreamBatchFailure } from '../../src/lambda/local/index.js';
import { createStreamEventSource } from '../../src/lambda/local/index.js';

const records = (count: number): DynamoDBRecord[] =>
  Array.from({ length: count }, (_, i) => ({ dynamodb: { SequenceNumber: String(100 + i) } }));
const seqs = (event: DynamoDBStreamEvent) => event.Records.map((r) => r.dynamodb?.SequenceNumber);

function source(
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>,
  options: { retryAttempts?: number; bisect?: boolean } = {},
) {
  const failures: StreamBatchFailure[] = [];
  const mapping = createStreamEventSource({
    handler,
    retryAttempts: options.retryAttempts ?? 2,
    bisectBatchOnError: options.bisect ?? false,
    onFailure: (failure) => {
      failures.push(failure);
      return Promise.resolve();
    },
  });
  return { mapping, failures };
}

describe('the event source mapping emulation', () => {
  it('retries from the lowest reported sequence number, with every record after it', async () => {
    const calls: (string | undefined)[][] = [];
    let failing = true;
    const { mapping, failures } = source((event) => {
      calls.push(seqs(event));
      const response = failing
        ? { batchItemFailures: [{ itemIdentifier: '103' }, { itemIdentifier: '101' }] }
        : { batchItemFailures: [] };
      failing = false;
      return Promise.resolve(response);
    });
    await mapping.deliver(records(5));
    expect(calls).toEqual([
      ['100', '101', '102', '103', '104'],
      ['101', '102', '103', '104'],
    ]);
    expect(failures).toEqual([]);
  });

  it('gives up after the retries and describes what it skipped', async () => {
    let invocations = 0;
    const { mapping, failures } = source(() => {
      invocations++;
      return Promise.resolve({ batchItemFailures: [{ itemIdentifier: '102' }] });
    });
    await mapping.deliver(records(4));
    expect(invocations).toBe(3);
    expect(failures).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 3,
        }) as unknown,
        DDBStreamBatchInfo: expect.objectContaining({
          startSequenceNumber: '102',
          endSequenceNumber: '103',
          batchSize: 2,
        }) as unknown,
      }),
    ]);
  });

  it('halves a batch whose invocation throws until the poison record is alone', async () => {
    const calls: (string | undefined)[][] = [];
    const { mapping, failures } = source(
      (event) => {
        calls.push(seqs(event));
        if (seqs(event).includes('102')) return Promise.reject(new Error('poison'));
        return Promise.resolve(undefined);
      },
      { bisect: true, retryAttempts: 1 },
    );
    await mapping.deliver(records(4));
    expect(calls).toEqual([
      ['100', '101', '102', '103'],
      ['100', '101'],
      ['102', '103'],
      ['102'],
      ['102'],
      ['103'],
    ]);
    expect(failures.map((f) => f.DDBStreamBatchInfo.startSequenceNumber)).toEqual(['102']);
    expect(failures[0]?.responseContext).toEqual({ functionError: 'Error' });
  });
});

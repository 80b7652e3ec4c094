import { describe, expect, it } from 'vitest';
import {
  batchResponse,
  changesetOf,
  committedChangeset,
  toSdkItem,
} from '../../src/lambda/index.js';
import { bookkeepingRecord, commitRecord, indexedRecord } from './stream-events.js';

describe('DynamoDB Streams records', () => {
  it('turns Lambda JSON images into SDK items, binary from base64, nested too', () => {
    expect(
      toSdkItem({
        s: { S: 'x' },
        b: { B: 'AQID' },
        l: { L: [{ B: 'BA==' }, { N: '1' }] },
        m: { M: { bs: { BS: ['BQ=='] } } },
      }),
    ).toEqual({
      s: { S: 'x' },
      b: { B: new Uint8Array([1, 2, 3]) },
      l: { L: [{ B: new Uint8Array([4]) }, { N: '1' }] },
      m: { M: { bs: { BS: [new Uint8Array([5])] } } },
    });
    const bytes = new Uint8Array([9]);
    expect(toSdkItem({ b: { B: bytes } })).toEqual({ b: { B: bytes } });
  });

  it('recognises commits: changeset INSERTs only', async () => {
    const commit = await commitRecord({
      streamId: 's',
      changesetId: 3,
      firstEventId: 5,
      events: [{}],
    });
    expect(committedChangeset(commit)).toEqual({ streamId: 's', changesetId: 3 });
    expect(committedChangeset(indexedRecord(commit, 0))).toBeUndefined();
    expect(committedChangeset(bookkeepingRecord())).toBeUndefined();
    expect(committedChangeset({ ...commit, eventName: 'REMOVE' })).toBeUndefined();
    expect(committedChangeset({ eventName: 'INSERT' })).toBeUndefined();
  });

  it('decodes the changeset of a new image, compressed or not', async () => {
    for (const events of [[{ a: 1 }], [{ blob: 'z'.repeat(420_000) }]]) {
      const record = await commitRecord({
        streamId: 's',
        changesetId: 2,
        firstEventId: 4,
        events,
        metadata: { m: 1 },
      });
      expect(await changesetOf(record)).toEqual({
        streamId: 's',
        changesetId: 2,
        firstEventId: 4,
        lastEventId: 4,
        timestamp: '2026-11-27T09:00:00.000Z',
        events,
        metadata: { m: 1 },
        checkpoint: null,
      });
    }
  });

  it('reports failed records by sequence number, in batch order', () => {
    const records = ['10', '20', '30'].map((SequenceNumber) => ({ dynamodb: { SequenceNumber } }));
    expect(batchResponse(records, new Set([2, 0]))).toEqual({
      batchItemFailures: [{ itemIdentifier: '10' }, { itemIdentifier: '30' }],
    });
    expect(batchResponse(records, new Set())).toEqual({ batchItemFailures: [] });
  });
});

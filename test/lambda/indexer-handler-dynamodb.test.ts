import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Changeset, IndexedChangeset } from '../../src/core/index.js';
import { NEW_STREAM, commitChangeset } from '../../src/core/index.js';
import { createIndexerHandler } from '../../src/lambda/index.js';
import type { DynamoDbStore } from '../../src/stores/dynamodb/index.js';
import {
  dynamoDbLocalEndpoint,
  localClient,
  localStreamsClient,
  openTestStore,
  recordCollector,
  streamArnOf,
  suiteTitle,
} from '../setup/dynamodb-tables.js';
import { toLambdaRecord } from '../../src/lambda/local/index.js';
import { at, streamEvent } from './stream-events.js';

const endpoint = dynamoDbLocalEndpoint();

/** The whole enumeration, as far as it goes. */
async function enumeration(store: DynamoDbStore): Promise<IndexedChangeset[]> {
  const all: IndexedChangeset[] = [];
  for (;;) {
    const page = await store.readGlobal(all.length, 100);
    if (page.length === 0) return all;
    all.push(...page);
  }
}

/** Makes the client fail every write and read that touches `streamId`, like a poison stream. */
function poison(client: DynamoDBClient, streamId: string): () => void {
  const name = `poison-${streamId}`;
  client.middlewareStack.add(
    (next) => (args) => {
      if (JSON.stringify(args.input).includes(JSON.stringify(streamId))) {
        const error = new Error(`Injected failure for ${streamId}`);
        error.name = 'ValidationException';
        return Promise.reject(error);
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return () => client.middlewareStack.remove(name);
}

describe.skipIf(endpoint === undefined)(
  suiteTitle('the indexer function on DynamoDB Local', endpoint),
  () => {
    let client: DynamoDBClient;
    let store: DynamoDbStore;
    beforeAll(() => {
      client = localClient(endpoint ?? '');
    });
    afterAll(() => {
      client.destroy();
    });
    afterEach(async () => {
      await store.close();
    });

    async function commitRoundRobin(streams: string[], count: number): Promise<Changeset[]> {
      const committed: Changeset[] = [];
      for (let n = 0; n < count; n++) {
        for (const streamId of streams) {
          committed.push(
            await commitChangeset(store, {
              streamId,
              expectation: n === 0 ? NEW_STREAM : { kind: 'changeset', lastChangesetId: n },
              events: [{ streamId, n }],
              metadata: {},
            }),
          );
        }
      }
      return committed;
    }

    async function lambdaEvent() {
      const streams = localStreamsClient(endpoint ?? '');
      try {
        const collector = recordCollector(streams, await streamArnOf(client, store.tableName));
        await collector.poll();
        return streamEvent(collector.received.map((record) => toLambdaRecord(record)));
      } finally {
        streams.destroy();
      }
    }

    it('gives a batch of commits gapless checkpoints, in stream order, once however often it runs', async () => {
      store = await openTestStore(client);
      const committed = await commitRoundRobin(['a', 'b', 'c'], 3);
      const event = await lambdaEvent();
      const handler = createIndexerHandler({ table: { client, tableName: store.tableName } });

      expect(await handler(event)).toEqual({ batchItemFailures: [] });
      expect(await handler(event)).toEqual({ batchItemFailures: [] });
      const all = await enumeration(store);
      expect(all.map((c) => c.checkpoint)).toEqual(committed.map((_, i) => i));
      for (const stream of ['a', 'b', 'c']) {
        expect(all.filter((c) => c.streamId === stream).map((c) => c.changesetId)).toEqual([
          1, 2, 3,
        ]);
      }
    });

    it('reports only the records of a stream it cannot index, and indexes the others', async () => {
      store = await openTestStore(client);
      await commitRoundRobin(['good-1', 'bad', 'good-2'], 2);
      const event = await lambdaEvent();
      const errors: unknown[] = [];
      const handler = createIndexerHandler({
        table: { client, tableName: store.tableName },
        onError: (error) => errors.push(error),
      });
      const cure = poison(client, 'bad');
      let response;
      try {
        response = await handler(event);
      } finally {
        cure();
      }
      const badRecords = event.Records.filter((r) => r.dynamodb?.Keys?.stream_id?.S === 'bad');
      expect(badRecords).toHaveLength(2);
      expect(response).toEqual({
        batchItemFailures: badRecords.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber })),
      });
      expect(errors.length).toBeGreaterThanOrEqual(2);
      expect((await enumeration(store)).map((c) => c.streamId).sort()).toEqual([
        'good-1',
        'good-1',
        'good-2',
        'good-2',
      ]);

      // Lambda retries from the first failed record; the stream is fine again.
      const first = event.Records.indexOf(at(badRecords, 0));
      expect(await handler({ Records: event.Records.slice(first) })).toEqual({
        batchItemFailures: [],
      });
      const all = await enumeration(store);
      expect(all.map((c) => c.checkpoint)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(all.filter((c) => c.streamId === 'bad').map((c) => c.changesetId)).toEqual([1, 2]);
    });
  },
);

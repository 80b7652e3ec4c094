import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { PublishBatchInput } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHandler } from '../../src/lambda/index.js';
import {
  changesetOf,
  createApiHandler,
  createIndexerHandler,
  createPublisherHandler,
  lambdaDynamoDbStore,
} from '../../src/lambda/index.js';
import type { StreamBatchFailure } from '../../src/lambda/local/index.js';
import { createLocalStreamConsumer, toLambdaRecord } from '../../src/lambda/local/index.js';
import type { PublishBatch } from '../../src/push/sns/index.js';
import {
  createSnsChangesetPublisher,
  messageGroupId,
  snsPublishBatch,
} from '../../src/push/sns/index.js';
import type { DynamoDbStore } from '../../src/stores/dynamodb/index.js';
import type { PushEmulator } from '../push/fauxqs.js';
import { startPushEmulator } from '../push/fauxqs.js';
import {
  dynamoDbLocalEndpoint,
  localClient,
  localStreamsClient,
  openTestStore,
  recordCollector,
  streamArnOf,
  suiteTitle,
} from '../setup/dynamodb-tables.js';
import { httpApiEvent, responseOf, restApiEvent } from './api-events.js';

/*
 * The serverless pipeline end to end, offline: DynamoDB Local for the table and its stream,
 * fauxqs for the SNS FIFO topics and the SQS queues, and the four handlers invoked the way
 * Lambda invokes them (API Gateway events; stream records through the event source mapping's
 * semantics, as JSON). Only AWS itself is missing.
 */

const endpoint = dynamoDbLocalEndpoint();
const version = '0.1.0';

describe.skipIf(endpoint === undefined)(
  suiteTitle('the serverless pipeline on DynamoDB Local and fauxqs', endpoint),
  () => {
    let client: DynamoDBClient;
    let streams: DynamoDBStreamsClient;
    let emulator: PushEmulator;
    let table: DynamoDbStore;
    beforeAll(async () => {
      client = localClient(endpoint ?? '');
      streams = localStreamsClient(endpoint ?? '');
      emulator = await startPushEmulator('pipeline');
    });
    afterAll(async () => {
      client.destroy();
      streams.destroy();
      await emulator.stop();
    });
    afterEach(async () => {
      await table.close();
    });

    /** The deployed stack, locally: the four functions wired as CDK wires them. */
    async function deploy(options: { publishBatch?: PublishBatch; name: string }) {
      table = await openTestStore(client); // the CDK app creates it; here the test does
      const streamArn = await streamArnOf(client, table.tableName);
      const api = createApiHandler({
        store: lambdaDynamoDbStore({ tableName: table.tableName, client }),
        version,
      });
      const indexerDlq = emulator.queue(`${options.name}-indexer-dlq`);
      const publisherDlq = emulator.queue(`${options.name}-publisher-dlq`);
      const consumer = (
        handler: Parameters<typeof createLocalStreamConsumer>[0]['handler'],
        dlq: { send(body: string): Promise<void> },
      ) =>
        createLocalStreamConsumer({
          streamsClient: streams,
          streamArn,
          handler,
          retryAttempts: 2,
          bisectBatchOnError: true,
          onFailure: (failure) => dlq.send(JSON.stringify(failure)),
        });
      const indexer = consumer(
        createIndexerHandler({ table: { client, tableName: table.tableName } }),
        indexerDlq,
      );
      const publisher = consumer(
        createPublisherHandler({
          publisher: createSnsChangesetPublisher({
            publishBatch: options.publishBatch ?? snsPublishBatch(emulator.sns),
            changesetsTopicArn: emulator.changesetsTopicArn,
            eventsTopicArn: emulator.eventsTopicArn,
            onError: () => undefined,
          }),
          onError: () => undefined,
        }),
        publisherDlq,
      );
      return { api, indexer, publisher, indexerDlq, publisherDlq, streamArn };
    }

    const commit = (api: ApiHandler, streamId: string, events: unknown[], query = '') =>
      api(
        httpApiEvent({
          method: 'POST',
          path: `/streams/${encodeURIComponent(streamId)}`,
          query,
          body: JSON.stringify({ events, metadata: { by: 'e2e' } }),
        }),
      ).then(responseOf);

    /** The global enumeration through the API, waiting for the (eventually consistent) index. */
    async function enumeration(api: ApiHandler, count: number) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const page = responseOf(
          await api(restApiEvent({ method: 'GET', path: '/changesets', query: 'limit=100' })),
        );
        const changesets = (page.body as { changesets: Record<string, unknown>[] }).changesets;
        if (changesets.length >= count || Date.now() > deadline) return changesets;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    type Message = Record<string, unknown>;
    const of = (stream: string, messages: unknown[]) =>
      (messages as Message[]).filter((m) => m.stream_id === stream);

    it('commits through the API, indexes, enumerates, and pushes every message once, in stream order', async () => {
      const { api, indexer, publisher, indexerDlq, publisherDlq } = await deploy({ name: 'flow' });
      const [a, b] = ['order-7', 'kundenkonto/ü 1'];
      expect(await commit(api, a, [{ n: 1 }, { n: 2 }])).toMatchObject({ status: 200 });
      expect(await commit(api, b, [{ n: 1 }])).toMatchObject({ status: 200 });
      expect(await commit(api, a, [{ n: 3 }], 'expected_last_changeset=1')).toMatchObject({
        body: { stream_id: a, changeset_id: 2 },
      });
      // A writer that lost the race: 409, and nothing written.
      expect(await commit(api, a, [{ late: true }], 'expected_last_changeset=1')).toMatchObject({
        status: 409,
        body: { error: 'OPTIMISTIC_CONCURRENCY_EXCEPTION' },
      });
      expect(await commit(api, b, [{ n: 2 }, { n: 3 }], 'expected_last_event=1')).toMatchObject({
        body: { stream_id: b, changeset_id: 2 },
      });

      // Committed, not yet enumerated: the indexer has not run.
      expect(await enumeration(api, 0)).toEqual([]);

      await indexer.poll();
      await publisher.poll();

      const enumerated = await enumeration(api, 4);
      expect(enumerated.map((c) => c.checkpoint)).toEqual([0, 1, 2, 3]);
      expect(enumerated.filter((c) => c.stream_id === a).map((c) => c.changeset_id)).toEqual([
        1, 2,
      ]);
      expect(enumerated.filter((c) => c.stream_id === b).map((c) => c.changeset_id)).toEqual([
        1, 2,
      ]);
      expect(enumerated.find((c) => c.stream_id === b && c.changeset_id === 2)).toEqual({
        stream_id: b,
        changeset_id: 2,
        events: [{ n: 2 }, { n: 3 }],
        metadata: { by: 'e2e' },
        checkpoint: expect.any(Number) as unknown,
      });

      const changesets = await emulator.receiveChangesets();
      const events = await emulator.receiveEvents();
      expect(changesets).toHaveLength(4);
      expect(events).toHaveLength(6);
      expect(of(a, changesets).map((m) => m.changeset_id)).toEqual([1, 2]);
      expect(of(b, changesets).map((m) => m.changeset_id)).toEqual([1, 2]);
      expect(of(a, events).map((m) => m.event_id)).toEqual([1, 2, 3]);
      expect(of(b, events)).toEqual([
        { stream_id: b, changeset_id: 1, event_id: 1, data: { n: 1 } },
        { stream_id: b, changeset_id: 2, event_id: 2, data: { n: 2 } },
        { stream_id: b, changeset_id: 2, event_id: 3, data: { n: 3 } },
      ]);

      // The indexer's own writes come back through the stream: nothing to publish or index.
      await indexer.poll();
      await publisher.poll();
      expect(await emulator.receiveChangesets()).toEqual([]);
      expect(await emulator.receiveEvents()).toEqual([]);

      // The whole stream delivered again (a new mapping from TRIM_HORIZON): nothing twice.
      const { publisher: again, indexer: indexerAgain } = await redeploy();
      await indexerAgain.poll();
      await again.poll();
      expect(await emulator.receiveChangesets()).toEqual([]);
      expect(await emulator.receiveEvents()).toEqual([]);
      expect((await enumeration(api, 4)).map((c) => c.checkpoint)).toEqual([0, 1, 2, 3]);

      expect(await indexerDlq.receive()).toEqual([]);
      expect(await publisherDlq.receive()).toEqual([]);

      async function redeploy() {
        const streamArn = await streamArnOf(client, table.tableName);
        const make = (handler: Parameters<typeof createLocalStreamConsumer>[0]['handler']) =>
          createLocalStreamConsumer({
            streamsClient: streams,
            streamArn,
            handler,
            retryAttempts: 2,
            bisectBatchOnError: true,
            onFailure: () => Promise.reject(new Error('nothing should fail')),
          });
        return {
          indexer: make(createIndexerHandler({ table: { client, tableName: table.tableName } })),
          publisher: make(
            createPublisherHandler({
              publisher: createSnsChangesetPublisher({
                publishBatch: snsPublishBatch(emulator.sns),
                changesetsTopicArn: emulator.changesetsTopicArn,
                eventsTopicArn: emulator.eventsTopicArn,
              }),
            }),
          ),
        };
      }
    });

    it('sends a publish that keeps failing to the dead-letter queue, the record intact in the stream', async () => {
      const poison = 'poison-stream';
      const poisonGroup = messageGroupId(poison);
      // SNS refuses every message of one stream, as it would a message it can never take.
      const refusing: PublishBatch = async (input: PublishBatchInput) => {
        const entries = input.PublishBatchRequestEntries ?? [];
        const refused = entries.filter((entry) => entry.MessageGroupId === poisonGroup);
        const passed = entries.filter((entry) => entry.MessageGroupId !== poisonGroup);
        const response =
          passed.length === 0
            ? {}
            : await snsPublishBatch(emulator.sns)({ ...input, PublishBatchRequestEntries: passed });
        return {
          Successful: response.Successful ?? [],
          Failed: refused.map((entry) => ({
            Id: entry.Id,
            Code: 'InvalidParameter',
            SenderFault: true,
          })),
        };
      };
      const { api, indexer, publisher, publisherDlq, streamArn } = await deploy({
        name: 'poison',
        publishBatch: refusing,
      });
      await commit(api, 'fine', [{ n: 1 }]);
      await commit(api, poison, [{ precious: 'data' }, { more: 2 }]);
      await commit(api, 'fine', [{ n: 2 }], 'expected_last_changeset=1');
      await indexer.poll();
      await publisher.poll();

      // The other stream is not held up.
      expect(of('fine', await emulator.receiveChangesets()).map((m) => m.changeset_id)).toEqual([
        1, 2,
      ]);
      expect(of(poison, await emulator.receiveEvents())).toEqual([]);

      const [failure] = (await publisherDlq.receive()) as StreamBatchFailure[];
      expect(failure).toMatchObject({
        requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
        DDBStreamBatchInfo: { streamArn },
      });
      // The dead letter says where the record is; the record is still there, whole.
      const collector = recordCollector(streams, streamArn);
      await collector.poll();
      const record = collector.received.find(
        (r) => r.dynamodb?.SequenceNumber === failure?.DDBStreamBatchInfo.startSequenceNumber,
      );
      expect(record).toBeDefined();
      const changeset = await changesetOf(toLambdaRecord(record ?? {}));
      expect(changeset).toMatchObject({
        streamId: poison,
        changesetId: 1,
        events: [{ precious: 'data' }, { more: 2 }],
        metadata: { by: 'e2e' },
      });
      // And in the table, readable through the API.
      expect(
        responseOf(await api(httpApiEvent({ method: 'GET', path: `/streams/${poison}/events` })))
          .body,
      ).toEqual({
        stream_id: poison,
        events: [
          { id: 1, data: { precious: 'data' } },
          { id: 2, data: { more: 2 } },
        ],
      });
    });
  },
);

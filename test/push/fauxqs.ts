import { SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { FauxqsServer } from 'fauxqs';
import { startFauxqs } from 'fauxqs';

/**
 * The contract's push channels on fauxqs, the in-process SNS/SQS emulator: two SNS FIFO topics
 * as CDK creates them (no content-based deduplication: every publish must carry its own id), each
 * with an SQS FIFO queue subscribed with raw delivery, the way a subscriber would listen.
 */
export interface PushEmulator {
  readonly server: FauxqsServer;
  readonly sns: SNSClient;
  readonly changesetsTopicArn: string;
  readonly eventsTopicArn: string;
  /** Every message delivered to the changesets queue since the last call, in delivery order. */
  receiveChangesets(): Promise<unknown[]>;
  /** Every message delivered to the events queue since the last call, in delivery order. */
  receiveEvents(): Promise<unknown[]>;
  /** A standard queue, as the stream consumers' dead-letter queues are. */
  queue(name: string): {
    readonly url: string;
    send(body: string): Promise<void>;
    receive(): Promise<unknown[]>;
  };
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Receives and deletes until the queue answers empty: FIFO queues hand out one group head at a time. */
async function drain(sqs: SQSClient, queueUrl: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => JSON.parse(message.Body ?? 'null') as unknown));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
}

export async function startPushEmulator(prefix = 'ees'): Promise<PushEmulator> {
  const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  const fifo = { FifoTopic: 'true', ContentBasedDeduplication: 'false' };
  const queueAttributes = { FifoQueue: 'true', ContentBasedDeduplication: 'false' };
  const channel = (name: string) => {
    const { topicArn } = server.createTopic(`${prefix}-${name}.fifo`, { attributes: fifo });
    const { queueUrl } = server.createQueue(`${prefix}-${name}-subscriber.fifo`, {
      attributes: queueAttributes,
    });
    server.subscribe({
      topic: `${prefix}-${name}.fifo`,
      queue: `${prefix}-${name}-subscriber.fifo`,
      attributes: { RawMessageDelivery: 'true' },
    });
    return { topicArn, queueUrl };
  };
  const changesets = channel('changesets');
  const events = channel('events');
  const clientConfig = { endpoint: server.address, region: REGION, credentials: CREDENTIALS };
  const sns = new SNSClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  return {
    server,
    sns,
    changesetsTopicArn: changesets.topicArn,
    eventsTopicArn: events.topicArn,
    receiveChangesets: () => drain(sqs, changesets.queueUrl),
    receiveEvents: () => drain(sqs, events.queueUrl),
    queue(name) {
      const { queueUrl } = server.createQueue(name);
      return {
        url: queueUrl,
        async send(body) {
          await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
        },
        receive: () => drain(sqs, queueUrl),
      };
    },
    async stop() {
      sns.destroy();
      sqs.destroy();
      await server.stop();
    },
  };
}

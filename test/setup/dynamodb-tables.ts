import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { inject } from 'vitest';
import type { DynamoDbStore, DynamoDbStoreOptions } from '../../src/stores/dynamodb/index.js';
import { createStreamPoller, openDynamoDbStore } from '../../src/stores/dynamodb/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-context.js';

/**
 * The endpoint of the run's DynamoDB Local, or `undefined` when none could start (no Java): the
 * caller then skips its tests, saying why. Under `CI=true` a missing DynamoDB Local is an error
 * instead, so a CI run cannot pass by skipping the DynamoDB store.
 */
export function dynamoDbLocalEndpoint(): string | undefined {
  const context = inject('dynamoDbLocal');
  if (context.endpoint !== null) return context.endpoint;
  const message = `DynamoDB Local is not running: ${context.reason}.`;
  if (process.env.CI === 'true') throw new Error(`${message} CI=true requires it.`);
  console.warn(`${message} Skipping the DynamoDB store tests.`);
  return undefined;
}

/** The title of a suite that runs on DynamoDB Local, saying why it is skipped when it is. */
export const suiteTitle = (title: string, endpoint: string | undefined): string =>
  endpoint === undefined ? `${title} (skipped: DynamoDB Local needs Java 17)` : title;

/** A client of the run's DynamoDB Local. */
export const localClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

/** A table name no other test uses. */
export const uniqueTableName = (prefix = 'ees-test'): string =>
  `${prefix}-${randomUUID().slice(0, 12)}`;

/**
 * A store on a table of its own, created for it; closing the store deletes the table (DynamoDB
 * Local keeps every table in memory until the run ends).
 */
export async function openTestStore(
  client: DynamoDBClient,
  options: Partial<DynamoDbStoreOptions> = {},
): Promise<DynamoDbStore> {
  const tableName = options.tableName ?? uniqueTableName();
  const store = await openDynamoDbStore({ client, create: true, ...options, tableName });
  return {
    ...store,
    async close() {
      await store.close();
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}

/** A command a client sent: its name (`QueryCommand`) and input. */
export interface SentCommand {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

/** The commands a client sends, in order (SDK retries of one command count once). */
export interface CommandLog {
  readonly sent: SentCommand[];
  /** The names of the commands sent since the last `clear`. */
  names(): string[];
  clear(): void;
  /** Stops recording. */
  stop(): void;
}

/** Records every command `client` sends from now on. */
export function logCommands(client: DynamoDBClient): CommandLog {
  const sent: SentCommand[] = [];
  const name = `logCommands-${randomUUID()}`;
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push({
        name: context.commandName ?? 'unknown',
        input: args.input as Record<string, unknown>,
      });
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    sent,
    names: () => sent.map((command) => command.name),
    clear: () => {
      sent.length = 0;
    },
    stop: () => {
      client.middlewareStack.remove(name);
    },
  };
}

/** A DynamoDB Streams client of the run's DynamoDB Local. */
export const localStreamsClient = (endpoint: string): DynamoDBStreamsClient =>
  new DynamoDBStreamsClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

export async function streamArnOf(client: DynamoDBClient, tableName: string): Promise<string> {
  const output = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const arn = output.Table?.LatestStreamArn;
  if (arn === undefined) throw new Error(`Table ${tableName} has no stream`);
  return arn;
}

/** Every record of a table's stream not read yet by `poller` (a fresh one: every record). */
export async function readRecords(poller: {
  poll(): Promise<number>;
  readonly received: _Record[];
}): Promise<_Record[]> {
  const before = poller.received.length;
  await poller.poll();
  return poller.received.slice(before);
}

/** A stream poller that only collects what it reads. */
export function recordCollector(
  streamsClient: DynamoDBStreamsClient,
  streamArn: string,
): { poll(): Promise<number>; readonly received: _Record[] } {
  const received: _Record[] = [];
  const poller = createStreamPoller({
    streamsClient,
    streamArn,
    onRecords: (records) => {
      received.push(...records);
      return Promise.resolve(records.length);
    },
  });
  return { poll: () => poller.poll(), received };
}

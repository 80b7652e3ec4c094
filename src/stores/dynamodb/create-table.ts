import type {
  CreateTableCommandInput,
  DynamoDBClient,
  TableDescription,
} from '@aws-sdk/client-dynamodb';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { isResourceInUse, isResourceNotFound } from './dynamodb-errors.js';
import { ATTR, INDEX } from './schema.js';

const keysOnly = { ProjectionType: 'KEYS_ONLY' } as const;

/**
 * The events table (DATA-MODEL.md):
 * - `stream_id` (hash) + `changeset_id` (range): a stream is one item collection, read in order;
 * - two KEYS_ONLY local indexes on the first and last event id: event-range reads and the head
 *   in one read unit each, and (unlike the seed's ALL projections) no copy of the payload
 *   counted against the item's 400 KiB;
 * - a sparse KEYS_ONLY global index `page` + `checkpoint`: the enumeration, holding only
 *   changesets the indexer has numbered;
 * - on-demand capacity, and a stream of new images for the indexer.
 */
export const tableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: ATTR.streamId, AttributeType: 'S' },
    { AttributeName: ATTR.changesetId, AttributeType: 'N' },
    { AttributeName: ATTR.firstEventId, AttributeType: 'N' },
    { AttributeName: ATTR.lastEventId, AttributeType: 'N' },
    { AttributeName: ATTR.page, AttributeType: 'N' },
    { AttributeName: ATTR.checkpoint, AttributeType: 'N' },
  ],
  KeySchema: [
    { AttributeName: ATTR.streamId, KeyType: 'HASH' },
    { AttributeName: ATTR.changesetId, KeyType: 'RANGE' },
  ],
  LocalSecondaryIndexes: [
    {
      IndexName: INDEX.byFirstEvent,
      KeySchema: [
        { AttributeName: ATTR.streamId, KeyType: 'HASH' },
        { AttributeName: ATTR.firstEventId, KeyType: 'RANGE' },
      ],
      Projection: keysOnly,
    },
    {
      IndexName: INDEX.byLastEvent,
      KeySchema: [
        { AttributeName: ATTR.streamId, KeyType: 'HASH' },
        { AttributeName: ATTR.lastEventId, KeyType: 'RANGE' },
      ],
      Projection: keysOnly,
    },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: INDEX.enumeration,
      KeySchema: [
        { AttributeName: ATTR.page, KeyType: 'HASH' },
        { AttributeName: ATTR.checkpoint, KeyType: 'RANGE' },
      ],
      Projection: keysOnly,
    },
  ],
  StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
});

/** How long `ensureTable` waits for a new table to become usable. */
const ACTIVE_TIMEOUT_MS = 5 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function describe(client: DynamoDBClient, tableName: string) {
  try {
    const output = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return output.Table;
  } catch (error) {
    if (isResourceNotFound(error)) return undefined;
    throw error;
  }
}

/** Why an existing table cannot serve as the events table, if it cannot. */
export function tableProblems(table: TableDescription, needsStream: boolean): string[] {
  const problems: string[] = [];
  const keys = (table.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`);
  if (keys.join(',') !== `${ATTR.streamId}:HASH,${ATTR.changesetId}:RANGE`) {
    problems.push(`its key is (${keys.join(', ')}), not (stream_id HASH, changeset_id RANGE)`);
  }
  const indexes = [
    ...(table.LocalSecondaryIndexes ?? []).map((index) => index.IndexName),
    ...(table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName),
  ];
  for (const name of Object.values(INDEX)) {
    if (!indexes.includes(name)) problems.push(`it has no index "${name}"`);
  }
  const view = table.StreamSpecification?.StreamViewType;
  if (
    needsStream &&
    (table.StreamSpecification?.StreamEnabled !== true ||
      (view !== 'NEW_IMAGE' && view !== 'NEW_AND_OLD_IMAGES'))
  ) {
    problems.push('it has no stream with new images (the indexer reads it)');
  }
  return problems;
}

export interface EnsureTableOptions {
  /** Create the table when it does not exist. */
  readonly create: boolean;
  /** Whether this process reads the table's stream (poller), so the stream must exist. */
  readonly needsStream: boolean;
}

/**
 * Makes sure the events table exists, is ACTIVE and has the expected keys and indexes; creates
 * it when asked. Two processes creating it at once are fine: the loser waits for the winner's.
 * Returns the description (with the stream's ARN).
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions,
): Promise<TableDescription> {
  let table = await describe(client, tableName);
  if (table === undefined) {
    if (!options.create) {
      throw new Error(
        `DynamoDB table "${tableName}" does not exist; create it (see DATA-MODEL.md) or pass create=true`,
      );
    }
    try {
      await client.send(new CreateTableCommand(tableDefinition(tableName)));
    } catch (error) {
      if (!isResourceInUse(error)) throw error;
    }
  }
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (let wait = 100; ; wait = Math.min(wait * 2, 5_000)) {
    table = await describe(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    );
    if (table?.TableStatus === 'ACTIVE' && indexesActive) break;
    if (Date.now() > deadline) {
      throw new Error(`DynamoDB table "${tableName}" did not become ACTIVE in time`);
    }
    await sleep(wait);
  }
  const problems = tableProblems(table, options.needsStream);
  if (problems.length > 0) {
    throw new Error(
      `DynamoDB table "${tableName}" is not an event store table: ${problems.join('; ')}`,
    );
  }
  return table;
}

import type { DynamoDBClient, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from './attributes.js';

/** The events table an operation works on. */
export interface Table {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/**
 * Runs a query to the end, following `LastEvaluatedKey`: DynamoDB returns at most 1 MB per
 * response (two or three large changesets), whatever `Limit` says. With `enough`, stops
 * earlier, after the first response for which `enough(items so far)` holds.
 */
export async function queryAll(
  table: Table,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  enough?: (items: readonly Item[]) => Promise<boolean>,
): Promise<Item[]> {
  const items: Item[] = [];
  let start: QueryCommandInput['ExclusiveStartKey'];
  do {
    const output = await table.client.send(
      new QueryCommand({ ...input, TableName: table.tableName, ExclusiveStartKey: start }),
    );
    items.push(...(output.Items ?? []));
    start = output.LastEvaluatedKey;
  } while (start !== undefined && !((await enough?.(items)) ?? false));
  return items;
}

/** The first item of a query, reading one item at most. */
export async function queryFirst(
  table: Table,
  input: Omit<QueryCommandInput, 'TableName' | 'Limit'>,
): Promise<Item | undefined> {
  const output = await table.client.send(
    new QueryCommand({ ...input, TableName: table.tableName, Limit: 1 }),
  );
  return output.Items?.[0];
}

import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Checkpoint } from '../../core/index.js';
import { optionalNumberOf } from './attributes.js';
import { ATTR, COUNTER_KEY } from './schema.js';
import type { Table } from './table.js';

/**
 * The next checkpoint the indexer will assign, i.e. how many changesets have one: every
 * checkpoint below it is taken, none at or above it is. Strongly consistent. An absent counter
 * item means nothing was indexed yet.
 */
export async function readCheckpointCounter(table: Table): Promise<Checkpoint> {
  const output = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: COUNTER_KEY,
      ProjectionExpression: '#next',
      ExpressionAttributeNames: { '#next': ATTR.nextCheckpoint },
      ConsistentRead: true,
    }),
  );
  return output.Item === undefined ? 0 : (optionalNumberOf(output.Item, ATTR.nextCheckpoint) ?? 0);
}

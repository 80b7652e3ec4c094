import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Checkpoint, ProjectionState } from '../../core/index.js';
import type { Item } from './attributes.js';
import { numberOf, numberValue } from './attributes.js';
import { isConditionalCheckFailed } from './dynamodb-errors.js';
import { ATTR, projectionKey } from './schema.js';
import type { Table } from './table.js';

/** A projection's saved progress; `undefined` when it never saved any. Strongly consistent. */
export async function readProjection(
  table: Table,
  name: string,
): Promise<ProjectionState | undefined> {
  const output = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: projectionKey(name),
      ConsistentRead: true,
    }),
  );
  const item = output.Item;
  if (item === undefined) return undefined;
  const state = item[ATTR.projectionState]?.S;
  return {
    checkpoint: numberOf(item, ATTR.projectionCheckpoint),
    state: state === undefined ? undefined : JSON.parse(state),
  };
}

/**
 * Compare-and-set on the saved checkpoint, one conditional PutItem: the first save only if the
 * item does not exist, later saves only while the item is still at `previous`. Of two runners
 * folding the same page, exactly one saves; the other learns from `false` that it is stale.
 * The state is JSON text (an `undefined` state, which JSON cannot spell, is no attribute).
 */
export async function writeProjection(
  table: Table,
  name: string,
  next: ProjectionState,
  previous: Checkpoint | undefined,
): Promise<boolean> {
  const item: Item = {
    ...projectionKey(name),
    [ATTR.projectionCheckpoint]: numberValue(next.checkpoint),
    ...(next.state === undefined
      ? {}
      : { [ATTR.projectionState]: { S: JSON.stringify(next.state) } }),
  };
  try {
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: item,
        ...(previous === undefined
          ? {
              ConditionExpression: 'attribute_not_exists(#changeset)',
              ExpressionAttributeNames: { '#changeset': ATTR.changesetId },
            }
          : {
              ConditionExpression: '#checkpoint = :previous',
              ExpressionAttributeNames: { '#checkpoint': ATTR.projectionCheckpoint },
              ExpressionAttributeValues: { ':previous': numberValue(previous) },
            }),
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

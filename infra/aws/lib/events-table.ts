import type { CreateTableCommandInput, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

const ATTRIBUTE_TYPES: Record<string, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

/** Reads a CreateTable definition; CDK wants attributes with their types where keys are named. */
function attributeOf(
  definition: CreateTableCommandInput,
  name: string | undefined,
): dynamodb.Attribute {
  const attribute = definition.AttributeDefinitions?.find((a) => a.AttributeName === name);
  const type = ATTRIBUTE_TYPES[attribute?.AttributeType ?? ''];
  if (name === undefined || type === undefined) {
    throw new Error(`The table definition declares no type for key attribute ${String(name)}`);
  }
  return { name, type };
}

const keyOf = (
  definition: CreateTableCommandInput,
  schema: readonly KeySchemaElement[] | undefined,
  role: 'HASH' | 'RANGE',
): dynamodb.Attribute =>
  attributeOf(definition, schema?.find((key) => key.KeyType === role)?.AttributeName);

const projectionOf = (type: string | undefined): dynamodb.ProjectionType => {
  switch (type) {
    case 'KEYS_ONLY':
      return dynamodb.ProjectionType.KEYS_ONLY;
    case 'ALL':
      return dynamodb.ProjectionType.ALL;
    default:
      throw new Error(`Unsupported index projection ${String(type)}`);
  }
};

/**
 * The events table, built from the DynamoDB store's own CreateTable definition
 * (`tableDefinition` in src/stores/dynamodb), so that keys, indexes and their projections are
 * exactly what the store queries. On top of it, what a deployment needs and a test table does
 * not: point-in-time recovery (35 days of restorable history) and retention of the table when
 * the stack is deleted: it holds the events, the system of record.
 */
export function eventsTable(
  scope: Construct,
  id: string,
  definition: CreateTableCommandInput,
): dynamodb.Table {
  if (definition.BillingMode !== 'PAY_PER_REQUEST') {
    throw new Error('The events table definition is expected to be on-demand');
  }
  const view = definition.StreamSpecification?.StreamViewType;
  if (view !== 'NEW_IMAGE' && view !== 'NEW_AND_OLD_IMAGES') {
    throw new Error('The events table definition has no stream of new images');
  }
  const table = new dynamodb.Table(scope, id, {
    partitionKey: keyOf(definition, definition.KeySchema, 'HASH'),
    sortKey: keyOf(definition, definition.KeySchema, 'RANGE'),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    stream:
      view === 'NEW_IMAGE'
        ? dynamodb.StreamViewType.NEW_IMAGE
        : dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const index of definition.LocalSecondaryIndexes ?? []) {
    table.addLocalSecondaryIndex({
      indexName: index.IndexName ?? '',
      sortKey: keyOf(definition, index.KeySchema, 'RANGE'),
      projectionType: projectionOf(index.Projection?.ProjectionType),
    });
  }
  for (const index of definition.GlobalSecondaryIndexes ?? []) {
    table.addGlobalSecondaryIndex({
      indexName: index.IndexName ?? '',
      partitionKey: keyOf(definition, index.KeySchema, 'HASH'),
      sortKey: keyOf(definition, index.KeySchema, 'RANGE'),
      projectionType: projectionOf(index.Projection?.ProjectionType),
    });
  }
  return table;
}

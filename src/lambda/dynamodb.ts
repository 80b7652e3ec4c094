import type { EventStore, StoreCapabilities } from '../core/index.js';
import type { DynamoDbStoreOptions } from '../stores/dynamodb/index.js';
import { openDynamoDbStore } from '../stores/dynamodb/index.js';
import { deferredStore } from './deferred-store.js';

/**
 * The DynamoDB store's capabilities, needed before it is open. Restated here (the store does
 * not export its own): checkpoints come from the stream indexer after the commit, and any
 * number of functions share the table.
 */
const DYNAMODB_CAPABILITIES: StoreCapabilities = {
  checkpointsAtCommit: false,
  sharedAcrossProcesses: true,
  checkpointsInCallOrder: false,
};

/**
 * The DynamoDB store as a Lambda function uses it: opened on first use (see `deferredStore`),
 * never polling the table's stream (the indexer function is fed by the event source mapping).
 * The client takes region and credentials from the function's environment, and an endpoint
 * from `AWS_ENDPOINT_URL_DYNAMODB` when set (DynamoDB Local).
 */
export const lambdaDynamoDbStore = (
  options: Pick<DynamoDbStoreOptions, 'tableName' | 'client'>,
): EventStore =>
  deferredStore(
    () => openDynamoDbStore({ ...options, poller: { enabled: false } }),
    DYNAMODB_CAPABILITIES,
  );

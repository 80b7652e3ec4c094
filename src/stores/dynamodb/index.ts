export { DYNAMODB_CAPABILITIES, openDynamoDbStore } from './dynamodb-store.js';
export type {
  DynamoDbPollerOptions,
  DynamoDbStore,
  DynamoDbStoreOptions,
} from './dynamodb-store.js';
export { indexStreamRecords } from './indexer.js';
export type {
  AssignedCheckpoint,
  IndexerOptions,
  IndexingResult,
  KeyAttributeLike,
  StreamRecordLike,
} from './indexer.js';
export { createStreamPoller } from './poller.js';
export type { StreamPoller, StreamPollerOptions } from './poller.js';
export { createDynamoDbClient } from './client.js';
export { tableDefinition } from './create-table.js';
export type { Table } from './table.js';
export { dynamoDbOptionsFromUrl } from './url.js';
export type { DynamoDbUrlOptions } from './url.js';

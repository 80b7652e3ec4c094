// Shared code of the AWS Lambda functions; the entry points in src/runtime/lambda read the
// environment and wire these together.
export { createApiHandler } from './api-handler.js';
export type { ApiGatewayResult, ApiHandler, ApiHandlerOptions } from './api-handler.js';
export { encodePath, prepareApiEvent } from './api-event.js';
export type { ApiGatewayEvent, PreparedEvent } from './api-event.js';
export { deferredStore, lazily } from './deferred-store.js';
export { lambdaDynamoDbStore } from './dynamodb.js';
export { createIndexerHandler } from './indexer-handler.js';
export type { IndexerHandlerOptions } from './indexer-handler.js';
export { createPublisherHandler } from './publisher-handler.js';
export type { PublisherHandlerOptions } from './publisher-handler.js';
export { createStatisticsHandler } from './statistics-handler.js';
export type { StatisticsHandlerOptions } from './statistics-handler.js';
export {
  apiSettings,
  LAMBDA_ENV,
  LAMBDA_MAX_PAGE_BYTES,
  publisherSettings,
  tableSettings,
} from './settings.js';
export type { ApiSettings, PublisherSettings, TableSettings } from './settings.js';
export {
  batchResponse,
  changesetOf,
  committedChangeset,
  streamIdOf,
  toSdkAttribute,
  toSdkItem,
} from './stream-records.js';
export type { ChangesetKey, StreamRecord } from './stream-records.js';

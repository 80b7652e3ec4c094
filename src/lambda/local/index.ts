// Running the Lambda functions without AWS: what the event source mapping and the Lambda
// runtime do, in process (the end-to-end test and the local stack use it; no function does).
export { createStreamEventSource } from './event-source-mapping.js';
export type {
  StreamBatchFailure,
  StreamEventSource,
  StreamEventSourceOptions,
} from './event-source-mapping.js';
export { toLambdaRecord } from './lambda-records.js';
export { createLocalStreamConsumer } from './stream-consumer.js';
export type { LocalStreamConsumerOptions } from './stream-consumer.js';
export { httpApiEventOf, writeApiResult } from './http-bridge.js';
export type { BridgedRequest } from './http-bridge.js';
export { startLocalStack } from './local-stack.js';
export type { LocalStack, LocalStackOptions } from './local-stack.js';

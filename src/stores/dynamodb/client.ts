import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';

/**
 * Attempts per request, the first included. The SDK's standard retry mode retries throttling
 * (on-demand tables throttle too, e.g. a hot partition past 1000 writes/s), 5xx responses and
 * network errors with exponential backoff and jitter; a failure that outlives 5 attempts (about
 * 1.5 s of backoff) becomes the contract's 503 STORE_UNAVAILABLE. Conditional check failures
 * are not retried: they are answers, not errors.
 */
export const MAX_ATTEMPTS = 5;

/**
 * Socket timeouts. Without them a half-open connection would hold a request (and the HTTP
 * request waiting on it) forever; a timed-out attempt is retried like any network error.
 */
const REQUEST_HANDLER = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;

export interface ClientOptions {
  /** AWS region; defaults to the SDK's (AWS_REGION, shared config). */
  readonly region?: string | undefined;
  /** Endpoint URL, e.g. DynamoDB Local's `http://127.0.0.1:8000`. */
  readonly endpoint?: string | undefined;
}

/** A DynamoDB client with the store's retry and timeout settings; credentials as the SDK finds them. */
export const createDynamoDbClient = (options: ClientOptions): DynamoDBClient =>
  new DynamoDBClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    maxAttempts: MAX_ATTEMPTS,
    retryMode: 'standard',
    requestHandler: REQUEST_HANDLER,
  });

/**
 * A DynamoDB Streams client that talks to the same account, region and endpoint as `client`.
 * DynamoDB Local serves the streams API on its own endpoint, and keeps one database per access
 * key and region, so the streams client must share all three to see the table's stream.
 */
export const streamsClientLike = (client: DynamoDBClient): DynamoDBStreamsClient =>
  new DynamoDBStreamsClient({
    region: client.config.region,
    credentials: client.config.credentials,
    ...(client.config.endpoint === undefined ? {} : { endpoint: client.config.endpoint }),
    maxAttempts: MAX_ATTEMPTS,
    retryMode: 'standard',
    requestHandler: REQUEST_HANDLER,
  });

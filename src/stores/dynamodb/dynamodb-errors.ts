import { errors, isEesError } from '../../core/index.js';

/** What the SDK puts on the errors it throws (service exceptions and its own). */
interface SdkError {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

const asSdkError = (error: unknown): SdkError | undefined =>
  typeof error === 'object' && error !== null ? error : undefined;

const nameOf = (error: unknown): unknown => asSdkError(error)?.name;

/**
 * Service errors that say "not now" rather than "never": throttling, capacity, server-side
 * faults, and transaction contention. The SDK has already retried them with backoff (see
 * client.ts) by the time a store operation sees one.
 */
const TRANSIENT_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TransactionInProgressException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Socket-level failures: the request may not have reached DynamoDB at all. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/** Whether a failure is transient: retrying the same request later may succeed. */
export function isTransient(error: unknown): boolean {
  const sdk = asSdkError(error);
  if (sdk === undefined) return false;
  const status = sdk.$metadata?.httpStatusCode;
  return (
    sdk.$retryable !== undefined ||
    (typeof sdk.name === 'string' && TRANSIENT_ERRORS.has(sdk.name)) ||
    (typeof sdk.code === 'string' && NETWORK_CODES.has(sdk.code)) ||
    (typeof status === 'number' && status >= 500)
  );
}

/**
 * Maps what the SDK throws onto the core's error: a transient failure that outlived the SDK's
 * retries becomes the retryable STORE_UNAVAILABLE (503); the contract's own errors pass through;
 * anything else (a misconfigured table, a bug) stays as it is and becomes a 500.
 */
export const toStoreError = (error: unknown): unknown =>
  isEesError(error) || !isTransient(error) ? error : errors.storeUnavailable(error);

/** Runs a store operation, mapping its failure with `toStoreError`. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toStoreError(error);
  }
}

export const isConditionalCheckFailed = (error: unknown): boolean =>
  nameOf(error) === 'ConditionalCheckFailedException';

export const isResourceNotFound = (error: unknown): boolean =>
  nameOf(error) === 'ResourceNotFoundException';

export const isResourceInUse = (error: unknown): boolean =>
  nameOf(error) === 'ResourceInUseException';

/** The reason codes of a cancelled transaction, one per action (`None` for an action that was fine). */
export function cancellationReasons(error: unknown): string[] | undefined {
  if (nameOf(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: readonly { Code?: string }[] })
    .CancellationReasons;
  return (reasons ?? []).map((reason) => reason.Code ?? 'None');
}

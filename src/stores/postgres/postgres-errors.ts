import { DatabaseError } from 'pg';
import { errors } from '../../core/index.js';

/** Socket-level failures: the server is down, unreachable, or dropped the connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EAI_AGAIN',
]);

/**
 * Server answers that mean "not now" rather than "never": class 08 (connection exception),
 * 57P01-57P03 (administrator shutdown, crash shutdown, cannot connect now: the server is going
 * down or still starting), 53300 (too many connections) and 57014 (a statement cancelled, by
 * the statement timeout when a lock held it up, or by an administrator).
 */
const isUnavailableState = (sqlState: string): boolean =>
  sqlState.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '57014'].includes(sqlState);

/**
 * What node-postgres and pg-pool say, without a code, when a connection dies or cannot be had
 * in time. Matched on the message because that is all these errors carry.
 */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Connection ended unexpectedly',
];

/**
 * Whether `error` says the database cannot be reached right now, as opposed to a statement that
 * failed on its own. Looks into `AggregateError`s, which Node raises when every address of a
 * host name refused the connection.
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseError) {
    return error.code !== undefined && isUnavailableState(error.code);
  }
  if (error instanceof AggregateError && error.errors.some(isConnectionError)) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  return UNAVAILABLE_MESSAGES.some((message) => error.message.includes(message));
}

/**
 * Maps driver errors onto the core's: an unreachable database becomes `STORE_UNAVAILABLE`
 * (HTTP 503, retry later) with the driver's error as the cause; anything else, a bug or a
 * broken schema, passes through and stays a 500.
 */
export const toStoreError = (error: unknown): unknown =>
  isConnectionError(error) ? errors.storeUnavailable(error) : error;

/**
 * One line that explains a failure to an operator. `AggregateError`s have an empty message of
 * their own, so their parts are listed instead.
 */
export function describeFailure(error: unknown): string {
  const parts =
    error instanceof AggregateError && error.errors.length > 0
      ? [...new Set(error.errors.map(describeFailure))]
      : [error instanceof Error ? error.message || error.name : String(error)];
  return parts.join('; ').replace(/\s*\n\s*/g, ' ');
}

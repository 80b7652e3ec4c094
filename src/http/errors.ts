import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode, EesError } from '../core/index.js';
import { changesetToWire } from './wire.js';

/** The one place where error codes become HTTP statuses. */
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  MISSING_STREAM_ID: 400,
  BOTH_EXPECTED_CHANGESET_AND_EVENT_ARE_SET: 400,
  INVALID_EXPECTED_CHANGESET_ID: 400,
  INVALID_EXPECTED_EVENT_ID: 400,
  OPTIMISTIC_CONCURRENCY_EXCEPTION: 409,
  STREAM_NOT_FOUND: 404,
  INVALID_CHANGESET_FILTERING_PARAMS: 400,
  INVALID_EVENT_FILTERING_PARAMS: 400,
  INVALID_CHECKPOINT: 400,
  INVALID_LIMIT: 400,
  INVALID_JSON: 400,
  INVALID_BODY: 400,
  MISSING_EVENTS: 400,
  INVALID_EVENTS: 400,
  INVALID_METADATA: 400,
  CHANGESET_TOO_LARGE: 413,
  TOO_MANY_EVENTS: 413,
  INVALID_STREAM_ID: 400,
  URI_TOO_LONG: 414,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  HOST_NOT_ALLOWED: 403,
  ORIGIN_NOT_ALLOWED: 403,
  TOO_MANY_SUBSCRIBERS: 503,
  INVALID_LAST_EVENT_ID: 400,
  STATISTICS_NOT_READY: 404,
  ENDPOINT_NOT_FOUND: 404,
  STORE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

export const statusOf = (code: ErrorCode): ContentfulStatusCode => STATUS[code];

/** How long a client turned away for lack of subscription slots should wait, in seconds. */
export const SUBSCRIBERS_RETRY_AFTER_SECONDS = 5;

/** Headers that HTTP defines for some statuses, sent with the error body. */
const HEADERS: Partial<Record<ErrorCode, Readonly<Record<string, string>>>> = {
  // RFC 6750: a 401 names the scheme to use, a 403 says the token lacks the scope.
  UNAUTHORIZED: { 'WWW-Authenticate': 'Bearer' },
  FORBIDDEN: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' },
  TOO_MANY_SUBSCRIBERS: { 'Retry-After': String(SUBSCRIBERS_RETRY_AFTER_SECONDS) },
};

export const headersOf = (code: ErrorCode): Readonly<Record<string, string>> => HEADERS[code] ?? {};

/**
 * Two bodies of the contract predate the `{error, message}` shape and existing clients compare
 * them whole, so they are kept exactly as they were.
 */
const LEGACY_BODIES: Partial<Record<ErrorCode, (error: EesError) => Record<string, unknown>>> = {
  STATISTICS_NOT_READY: (error) => ({ error: error.message }),
  ENDPOINT_NOT_FOUND: (error) => ({ message: error.message }),
};

/** The JSON body of an error response, as the contract spells it. */
export function errorBody(error: EesError): Record<string, unknown> {
  const legacy = LEGACY_BODIES[error.code];
  if (legacy) return legacy(error);
  return {
    ...(error.streamId === undefined ? {} : { stream_id: error.streamId }),
    error: error.code,
    message: error.message,
    ...(error.forthcoming === undefined
      ? {}
      : { forthcoming_changesets: error.forthcoming.map(changesetToWire) }),
  };
}

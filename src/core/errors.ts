import type { Changeset } from './types.js';
import type { Expectation } from './expectation.js';
import { expectedValue } from './expectation.js';

/**
 * The stable error codes of the HTTP contract, plus the codes this implementation adds for
 * inputs the contract leaves open. Clients match on these; never rename one.
 */
export const ErrorCodes = [
  'MISSING_STREAM_ID',
  'BOTH_EXPECTED_CHANGESET_AND_EVENT_ARE_SET',
  'INVALID_EXPECTED_CHANGESET_ID',
  'INVALID_EXPECTED_EVENT_ID',
  'OPTIMISTIC_CONCURRENCY_EXCEPTION',
  'STREAM_NOT_FOUND',
  'INVALID_CHANGESET_FILTERING_PARAMS',
  'INVALID_EVENT_FILTERING_PARAMS',
  'INVALID_CHECKPOINT',
  'INVALID_LIMIT',
  'INVALID_JSON',
  'INVALID_BODY',
  'MISSING_EVENTS',
  'INVALID_EVENTS',
  'INVALID_METADATA',
  'CHANGESET_TOO_LARGE',
  'TOO_MANY_EVENTS',
  'INVALID_STREAM_ID',
  'URI_TOO_LONG',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'HOST_NOT_ALLOWED',
  'ORIGIN_NOT_ALLOWED',
  'TOO_MANY_SUBSCRIBERS',
  'INVALID_LAST_EVENT_ID',
  'STATISTICS_NOT_READY',
  'ENDPOINT_NOT_FOUND',
  'STORE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/**
 * The codes of the answers the Node server gives, before the app sees anything, to a request
 * Node cannot parse (src/runtime/server.ts): 400, 431 for a request line and headers over the
 * limit, 408 for a request that did not arrive whole in time. Not `ErrorCode`s, which the app
 * maps to statuses, but sent in the same `{"error", "message"}` body and named by the client's
 * `ErrorCode` type.
 */
export const UnparsableRequestCodes = [
  'BAD_REQUEST',
  'HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT',
] as const;

export type UnparsableRequestCode = (typeof UnparsableRequestCodes)[number];

export interface EesErrorOptions {
  /** The stream the failed request named; the contract echoes it in most error bodies. */
  readonly streamId?: string | undefined;
  /** For a concurrency conflict: the changesets that won. */
  readonly forthcoming?: readonly Changeset[] | undefined;
  readonly cause?: unknown;
}

/** The one error type of the event store: a stable code, a human message, and context. */
export class EesError extends Error {
  override readonly name = 'EesError';
  readonly streamId: string | undefined;
  readonly forthcoming: readonly Changeset[] | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: EesErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.streamId = options.streamId;
    this.forthcoming = options.forthcoming;
  }
}

export const isEesError = (error: unknown): error is EesError => error instanceof EesError;

/** Every error the contract spells out, with its exact message. */
export const errors = {
  missingStreamId: () => new EesError('MISSING_STREAM_ID', 'stream_id is a required value'),

  bothExpectationsSet: (streamId: string) =>
    new EesError(
      'BOTH_EXPECTED_CHANGESET_AND_EVENT_ARE_SET',
      'Cannot use both "last_changeset_id" and "last_event_id" for concurrency management. Specify only one value.',
      { streamId },
    ),

  invalidExpectedValue: (streamId: string, kind: Expectation['kind'], raw: string) =>
    new EesError(
      kind === 'changeset' ? 'INVALID_EXPECTED_CHANGESET_ID' : 'INVALID_EXPECTED_EVENT_ID',
      `The specified expected ${kind} id("${raw}") is invalid. Expected a positive integer.`,
      { streamId },
    ),

  concurrencyConflict: (
    streamId: string,
    expectation: Expectation,
    forthcoming: readonly Changeset[],
  ) =>
    new EesError(
      'OPTIMISTIC_CONCURRENCY_EXCEPTION',
      `The expected last ${expectation.kind} (${expectedValue(expectation)}) is outdated, review the changeset(s) appended after it.`,
      { streamId, forthcoming },
    ),

  expectationAhead: (streamId: string, expectation: Expectation, last: number) =>
    new EesError(
      // The contract keeps the changeset code for both kinds of expectation.
      'INVALID_EXPECTED_CHANGESET_ID',
      `The specified expected ${expectation.kind}(${expectedValue(expectation)}) doesn't exist. The "${streamId}" stream's most recent ${expectation.kind} is ${last}.`,
      { streamId },
    ),

  streamNotFound: (streamId: string) =>
    new EesError('STREAM_NOT_FOUND', `The specified stream(${streamId}) doesn't exist`, {
      streamId,
    }),

  invalidFilteringParams: (streamId: string, target: 'changeset' | 'event') =>
    new EesError(
      target === 'changeset'
        ? 'INVALID_CHANGESET_FILTERING_PARAMS'
        : 'INVALID_EVENT_FILTERING_PARAMS',
      'The filtering params(from, to) have to be positive integer values',
      { streamId },
    ),

  invertedRange: (streamId: string, target: 'changeset' | 'event', from: number, to: number) =>
    new EesError(
      target === 'changeset'
        ? 'INVALID_CHANGESET_FILTERING_PARAMS'
        : 'INVALID_EVENT_FILTERING_PARAMS',
      `The higher boundary cannot be lower than the lower boundary: ${from}(from) > ${to}(to)`,
      { streamId },
    ),

  invalidCheckpoint: (raw: string) =>
    new EesError(
      'INVALID_CHECKPOINT',
      `"${raw}" is an invalid checkpoint value. Expected a positive integer value.`,
    ),

  invalidLimit: (raw: string) =>
    new EesError(
      'INVALID_LIMIT',
      `"${raw}" is an invalid limit value. Expected an integer value greater than 0.`,
    ),

  invalidJson: (streamId: string, reason: string) =>
    new EesError('INVALID_JSON', `The request body is not valid JSON: ${reason}`, { streamId }),

  invalidBody: (streamId: string) =>
    new EesError(
      'INVALID_BODY',
      'The request body must be a JSON object: {"events": [{...}, ...], "metadata": {...}}',
      { streamId },
    ),

  missingEvents: (streamId: string) =>
    new EesError('MISSING_EVENTS', '"events" is a required value', { streamId }),

  invalidEvents: (streamId: string, detail: string) =>
    new EesError(
      'INVALID_EVENTS',
      `"events" must be a non-empty array of JSON objects: ${detail}`,
      {
        streamId,
      },
    ),

  invalidMetadata: (streamId: string) =>
    new EesError('INVALID_METADATA', '"metadata" must be a JSON object', { streamId }),

  /** A number JSON.parse would change (see `http/exact-numbers.ts`); `at` says where it is. */
  inexactNumber: (streamId: string, field: 'events' | 'metadata', at: string, number: string) =>
    new EesError(
      field === 'events' ? 'INVALID_EVENTS' : 'INVALID_METADATA',
      `${at} holds the number ${number}, which a 64-bit float cannot keep exactly: send it as a string.`,
      { streamId },
    ),

  changesetTooLarge: (streamId: string, what: 'changeset' | 'request body', limit: number) =>
    new EesError('CHANGESET_TOO_LARGE', `The ${what} exceeds the limit of ${limit} bytes.`, {
      streamId,
    }),

  tooManyEvents: (streamId: string, count: number, limit: number) =>
    new EesError(
      'TOO_MANY_EVENTS',
      `The changeset has ${count} events; the limit is ${limit} events per changeset.`,
      { streamId },
    ),

  streamIdTooLong: (streamId: string, bytes: number, limit: number) =>
    new EesError(
      'INVALID_STREAM_ID',
      `The stream id is ${bytes} bytes long in UTF-8; the limit is ${limit} bytes.`,
      { streamId },
    ),

  // PostgreSQL cannot store U+0000 in text, so no store accepts it: one rule for every store.
  streamIdWithNul: (streamId: string) =>
    new EesError('INVALID_STREAM_ID', 'A stream id cannot contain the character U+0000 (NUL).', {
      streamId,
    }),

  streamIdBadlyEncoded: (streamId: string) =>
    new EesError(
      'INVALID_STREAM_ID',
      'The stream id in the URL is not percent-encoded UTF-8: a "%" starts an escape like %2F, and "%" itself is %25.',
      { streamId },
    ),

  uriTooLong: (limit: number) =>
    new EesError('URI_TOO_LONG', `The request URL exceeds the limit of ${limit} bytes.`),

  /** No credentials, or credentials that are not a Bearer token: `missing`; an unknown token: `invalid`. Neither message repeats what was sent. */
  unauthorized: (reason: 'missing' | 'invalid') =>
    new EesError(
      'UNAUTHORIZED',
      reason === 'missing'
        ? 'This endpoint requires an API token: send "Authorization: Bearer <token>".'
        : 'The API token is not valid.',
    ),

  forbidden: (required: 'read' | 'write') =>
    new EesError(
      'FORBIDDEN',
      `The API token does not grant ${required} access, which this request requires.`,
    ),

  /** A request to a server without API tokens, addressed to a name that is not its own. */
  hostNotAllowed: (host: string) =>
    new EesError(
      'HOST_NOT_ALLOWED',
      `This server has no API tokens and answers only requests addressed to localhost or a loopback address, not to "${host}".`,
    ),

  /** A web page's write to a server without API tokens, from an origin it does not list. */
  originNotAllowed: (origin: string) =>
    new EesError(
      'ORIGIN_NOT_ALLOWED',
      `This server has no API tokens and takes no writes from web pages of origin "${origin}"; list the origin with --cors-origins, or use API tokens.`,
    ),

  tooManySubscribers: (limit: number) =>
    new EesError(
      'TOO_MANY_SUBSCRIBERS',
      `The server already serves its limit of ${limit} subscriptions. Retry later.`,
    ),

  invalidLastEventId: (raw: string, expected: string) =>
    new EesError(
      'INVALID_LAST_EVENT_ID',
      `"${raw}" is not an id this subscription sends. Expected ${expected}.`,
    ),

  statisticsNotReady: () =>
    new EesError('STATISTICS_NOT_READY', 'Statistics are not yet generated'),

  endpointNotFound: () => new EesError('ENDPOINT_NOT_FOUND', 'Invalid endpoint'),

  storeUnavailable: (cause: unknown) =>
    new EesError('STORE_UNAVAILABLE', 'The event store is temporarily unavailable. Retry later.', {
      cause,
    }),
} as const;

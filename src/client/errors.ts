import type { ErrorCode as ContractErrorCode, UnparsableRequestCode } from '../core/index.js';
import type { StreamChangeset } from './types.js';
import type { WireStreamChangeset } from './wire.js';
import { fromWireStreamChangeset } from './wire.js';

/**
 * The stable error codes the server sends (`STREAM_NOT_FOUND`, `INVALID_EVENTS`, ...), to
 * compare `EesClientError.code` with; also those of the Node server's answers to requests it
 * cannot parse (`BAD_REQUEST`, `HEADERS_TOO_LARGE`, `REQUEST_TIMEOUT`).
 *
 * @example
 * ```ts
 * const retryable: ErrorCode[] = ['STORE_UNAVAILABLE'];
 * if (error instanceof EesClientError && retryable.includes(error.code as ErrorCode)) retry();
 * ```
 */
export type ErrorCode = ContractErrorCode | UnparsableRequestCode;

/**
 * What an `EesClientError` is made of.
 *
 * @example
 * ```ts
 * // A test double of a failing client.
 * const init: EesClientErrorInit = {
 *   status: 404,
 *   code: 'STREAM_NOT_FOUND',
 *   message: "The specified stream(a) doesn't exist",
 *   streamId: 'a',
 *   body: undefined,
 * };
 * throw new StreamNotFoundError(init);
 * ```
 */
export interface EesClientErrorInit {
  readonly status: number;
  readonly code: string | undefined;
  readonly message: string;
  readonly streamId: string | undefined;
  readonly body: unknown;
}

/**
 * The server answered with an error: any non-2xx response (or, on a subscription, an `error`
 * event). Network failures are not wrapped: they surface as the error `fetch` threw.
 *
 * @example
 * ```ts
 * try {
 *   await client.readChangesets('account-42', { from: 5, to: 2 });
 * } catch (error) {
 *   if (error instanceof EesClientError && error.code === 'INVALID_CHANGESET_FILTERING_PARAMS') {
 *     console.error(error.status, error.message); // 400 "The higher boundary cannot be ..."
 *   }
 * }
 * ```
 */
export class EesClientError extends Error {
  override readonly name: string = 'EesClientError';
  /** The HTTP status; for an `error` event of a subscription, the status of its response (200). */
  readonly status: number;
  /**
   * The contract's stable error code (`ErrorCode`), e.g. `STREAM_NOT_FOUND`. The two bodies
   * without a code get theirs here: `STATISTICS_NOT_READY` and `ENDPOINT_NOT_FOUND`.
   * `undefined` when the body is not the server's (say, a proxy's 502 page).
   */
  readonly code: ErrorCode | (string & NonNullable<unknown>) | undefined;
  /** The stream the error body names (`stream_id`), if any. */
  readonly streamId: string | undefined;
  /** The response body: parsed JSON, or the text when it is not JSON. */
  readonly body: unknown;

  constructor(init: EesClientErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.streamId = init.streamId;
    this.body = init.body;
  }
}

/**
 * A commit lost the race (409 `OPTIMISTIC_CONCURRENCY_EXCEPTION`): the stream no longer ends
 * where the commit expected. `forthcoming` holds the changesets committed after the
 * expectation, so the writer can decide again on top of them.
 *
 * @example
 * ```ts
 * try {
 *   await client.commit('account-42', { events, expectedLastChangeset: 3 });
 * } catch (error) {
 *   if (!(error instanceof ConcurrencyError)) throw error;
 *   const last = error.forthcoming.at(-1)!.changesetId;
 *   await client.commit('account-42', { events: redecide(error.forthcoming), expectedLastChangeset: last });
 * }
 * ```
 */
export class ConcurrencyError extends EesClientError {
  override readonly name: string = 'ConcurrencyError';
  /** Every changeset committed after the one the commit expected, in order. */
  readonly forthcoming: StreamChangeset[];

  constructor(init: EesClientErrorInit, forthcoming: StreamChangeset[]) {
    super(init);
    this.forthcoming = forthcoming;
  }
}

/**
 * The stream read does not exist (404 `STREAM_NOT_FOUND`).
 *
 * @example
 * ```ts
 * const changesets = await client.readChangesets('maybe').catch((error: unknown) => {
 *   if (error instanceof StreamNotFoundError) return [];
 *   throw error;
 * });
 * ```
 */
export class StreamNotFoundError extends EesClientError {
  override readonly name: string = 'StreamNotFoundError';
}

/** The contract's two bodies that predate `{error, message}`, by their exact text. */
const LEGACY_CODES: Readonly<Record<string, ErrorCode>> = {
  'Statistics are not yet generated': 'STATISTICS_NOT_READY',
  'Invalid endpoint': 'ENDPOINT_NOT_FOUND',
};

const CODE = /^[A-Z][A-Z0-9_]*$/;

const stringField = (body: unknown, field: string): string | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
};

/**
 * The typed error for an error body, as the contract spells bodies: `{"stream_id", "error":
 * "<CODE>", "message"}`, `{"error": "<message>"}` or `{"message": "<message>"}`.
 */
export function errorFromBody(
  status: number,
  body: unknown,
  fallbackMessage: string,
): EesClientError {
  const error = stringField(body, 'error');
  const message = stringField(body, 'message');
  const legacyText = message ?? error;
  const isCode = error !== undefined && CODE.test(error);
  const init: EesClientErrorInit = {
    status,
    code: isCode ? error : legacyText === undefined ? undefined : LEGACY_CODES[legacyText],
    message: (isCode ? message : legacyText) ?? fallbackMessage,
    streamId: stringField(body, 'stream_id'),
    body,
  };
  if (init.code === 'OPTIMISTIC_CONCURRENCY_EXCEPTION') {
    const forthcoming = (body as { forthcoming_changesets?: WireStreamChangeset[] })
      .forthcoming_changesets;
    return new ConcurrencyError(init, (forthcoming ?? []).map(fromWireStreamChangeset));
  }
  if (init.code === 'STREAM_NOT_FOUND') return new StreamNotFoundError(init);
  return new EesClientError(init);
}

/** The typed error for a non-2xx response; reads its body. */
export async function errorFromResponse(response: Response): Promise<EesClientError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, say): the text is the body.
  }
  const statusLine = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  return errorFromBody(response.status, body, statusLine);
}

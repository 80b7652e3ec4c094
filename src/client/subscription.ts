import { EesClientError, errorFromBody, errorFromResponse } from './errors.js';
import type { SseItem } from './sse-parser.js';
import { readSseItems } from './sse-parser.js';
import type { Query, Transport } from './transport.js';
import { urlOf } from './transport.js';

/**
 * What a subscription is told before it waits to reconnect.
 *
 * @example
 * ```ts
 * const onReconnect = ({ attempt, delayMs, error }: ReconnectInfo) =>
 *   console.warn(`connection lost (${String(error)}), retry ${attempt} in ${delayMs} ms`);
 * ```
 */
export interface ReconnectInfo {
  /** 1 for the first reconnection after a healthy connection, then 2, 3 ... */
  readonly attempt: number;
  /**
   * How long the subscription waits before it reconnects: its back-off, or longer when the
   * server's answer asked for it with `Retry-After`.
   */
  readonly delayMs: number;
  /**
   * Why: what `fetch` or the body read threw, an `EesClientError` for a 5xx answer or an
   * `error` event, or an `Error` saying the server ended the stream.
   */
  readonly error: unknown;
  /** The position the subscription resumes after (sent as `Last-Event-ID`), if any. */
  readonly lastPosition: string | undefined;
}

/**
 * Options every subscription takes.
 *
 * @example
 * ```ts
 * const options: SubscriptionOptions = { signal: AbortSignal.timeout(60_000), maxRetryDelayMs: 10_000 };
 * ```
 */
export interface SubscriptionOptions {
  /** Ends the iteration (cleanly: the loop simply ends) and closes the connection. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The `position` of the last message already processed: delivery resumes right after it,
   * also in the middle of a changeset on the event channels. Wins over `checkpoint`/`from`.
   */
  readonly after?: string | undefined;
  /** Longest wait between reconnection attempts, a server's `Retry-After` included. Default 30 000 ms. */
  readonly maxRetryDelayMs?: number | undefined;
  /** Called on each lost connection, before the wait. */
  readonly onReconnect?: ((info: ReconnectInfo) => void) | undefined;
  /**
   * Most reconnection attempts in a row, with no healthy connection between them, before the
   * iteration throws the last failure instead of waiting again: 0 throws on the first one.
   * Default: no limit, as an `EventSource` keeps trying.
   */
  readonly maxReconnectAttempts?: number | undefined;
}

/** One SSE resource and how its messages become typed values. */
export interface Channel<T> {
  readonly path: string;
  readonly query: Query;
  /** The SSE `event` name of its messages; other names (but `error`) are ignored. */
  readonly event: 'changeset' | 'event';
  readonly decode: (data: unknown, position: string) => T;
}

/** Until the server says otherwise with `retry:`; also the server's default. */
const DEFAULT_RETRY_MS = 1_000;
const DEFAULT_MAX_RETRY_DELAY_MS = 30_000;

/** Ends the subscription with this error instead of reconnecting. */
class Fatal extends Error {
  constructor(readonly error: unknown) {
    super('the subscription cannot continue', { cause: error });
  }
}

/** Statuses that may pass: the server, a proxy or a rate limiter asking to come back later. */
const isTransient = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/** A transient answer, and how long it asked the client to stay away (`Retry-After`). */
class Refused {
  constructor(
    readonly error: EesClientError,
    readonly retryAfterMs: number | undefined,
  ) {}
}

/**
 * A `Retry-After` header in milliseconds from now: delay-seconds (`5`) or an HTTP date (`Wed,
 * 21 Oct 2026 07:28:00 GMT`, 0 once past); `undefined` when absent or neither.
 */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * `a` after `b`, comparing positions as the numbers they are (`10` after `9`, `3.10` after
 * `3.9`). Ids that are not numbers cannot be compared and always pass.
 */
export function isAfter(a: string, b: string | undefined): boolean {
  if (a === '' || b === undefined || b === '') return true;
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  if ([...left, ...right].some((n) => !Number.isSafeInteger(n))) return true;
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? -1) - (right[i] ?? -1);
    if (difference !== 0) return difference > 0;
  }
  return false;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/** Read through a call: TypeScript would otherwise keep its narrowing across awaits. */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

async function connect(
  transport: Transport,
  url: string,
  lastPosition: string | undefined,
  signal: AbortSignal,
): Promise<{ status: number; body: ReadableStream<Uint8Array> } | Fatal | Refused> {
  const response = await transport.fetch(url, {
    headers: {
      ...transport.headers,
      accept: 'text/event-stream',
      ...(lastPosition === undefined || lastPosition === ''
        ? {}
        : { 'last-event-id': lastPosition }),
    },
    signal,
  });
  if (!response.ok) {
    const error = await errorFromResponse(response);
    return isTransient(response.status)
      ? new Refused(error, retryAfterMs(response.headers.get('retry-after')))
      : new Fatal(error);
  }
  const type = response.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('text/event-stream') || response.body === null) {
    await response.body?.cancel();
    return new Fatal(
      new EesClientError({
        status: response.status,
        code: undefined,
        message: `expected a text/event-stream response from ${url}, got "${type}"`,
        streamId: undefined,
        body: undefined,
      }),
    );
  }
  return { status: response.status, body: response.body };
}

const errorEvent = (status: number, data: string): EesClientError => {
  let body: unknown = data;
  try {
    body = JSON.parse(data);
  } catch {
    // Not JSON: the text is the body.
  }
  return errorFromBody(status, body, `the subscription failed: ${data}`);
};

/**
 * Follows one SSE channel: connects with `Accept: text/event-stream`, yields each message as a
 * typed value, and after a dropped connection or an `error` event reconnects with
 * `Last-Event-ID` set to the last position yielded, so that the server resumes right after it.
 * Positions are compared too: a message at or before the last one yielded is never yielded
 * again, whatever the server sends.
 *
 * Reconnection waits the server's `retry` value, doubled on each further failure up to
 * `maxRetryDelayMs`, back to the `retry` value once a connection proved healthy (it delivered a
 * message or a heartbeat), and at least as long as a refusing answer's `Retry-After` (a 503
 * `TOO_MANY_SUBSCRIBERS` says 5 s), all capped by `maxRetryDelayMs`. A 4xx answer other than
 * 408/429 ends the iteration with the `EesClientError`: asking again would get the same answer.
 * So does a failure past `maxReconnectAttempts` failures in a row, with that failure.
 */
export async function* follow<T>(
  transport: Transport,
  channel: Channel<T>,
  options: SubscriptionOptions = {},
): AsyncGenerator<T, void, undefined> {
  const {
    signal,
    maxRetryDelayMs = DEFAULT_MAX_RETRY_DELAY_MS,
    onReconnect,
    maxReconnectAttempts = Number.POSITIVE_INFINITY,
  } = options;
  if (!(maxReconnectAttempts >= 0)) {
    throw new RangeError(`maxReconnectAttempts must be 0 or more, got ${maxReconnectAttempts}.`);
  }
  const stop = new AbortController();
  const abort = () => {
    stop.abort();
  };
  if (signal?.aborted) return;
  signal?.addEventListener('abort', abort, { once: true });
  const url = urlOf(transport, channel.path, channel.query);
  let lastPosition = options.after;
  let retryMs = DEFAULT_RETRY_MS;
  let failures = 0;
  try {
    while (!isAborted(stop.signal)) {
      let failure: unknown;
      let askedToWaitMs = 0;
      try {
        const connection = await connect(transport, url, lastPosition, stop.signal);
        if (connection instanceof Fatal) throw connection;
        if (connection instanceof Refused) {
          failure = connection.error;
          askedToWaitMs = connection.retryAfterMs ?? 0;
        } else {
          let comments = 0;
          for await (const item of readSseItems(connection.body)) {
            const outcome = handle(item, channel, connection.status);
            if (outcome.kind === 'retry') retryMs = outcome.ms;
            // The first comment comes with the headers; a later one is a heartbeat.
            else if (outcome.kind === 'comment' && ++comments > 1) failures = 0;
            else if (outcome.kind === 'error') {
              failure = outcome.error;
              break;
            } else if (outcome.kind === 'value' && isAfter(outcome.position, lastPosition)) {
              if (isAborted(stop.signal)) return;
              lastPosition = outcome.position;
              failures = 0;
              yield outcome.value;
              if (isAborted(stop.signal)) return;
            }
          }
          failure ??= new Error('the server ended the event stream');
        }
      } catch (error) {
        if (error instanceof Fatal) throw error.error;
        if (isAborted(stop.signal)) return;
        failure = error;
      }
      if (isAborted(stop.signal)) return;
      failures += 1;
      if (failures > maxReconnectAttempts) throw failure;
      // At least 1 ms before doubling: a server advising `retry: 0` still gets backed off from.
      const backOffMs = Math.max(retryMs, 1) * 2 ** (failures - 1);
      const delayMs = Math.min(Math.max(backOffMs, askedToWaitMs), maxRetryDelayMs);
      onReconnect?.({ attempt: failures, delayMs, error: failure, lastPosition });
      await sleep(delayMs, stop.signal);
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    // Closes a connection still open (the consumer broke out of its loop).
    stop.abort();
  }
}

type Outcome<T> =
  | { readonly kind: 'value'; readonly value: T; readonly position: string }
  | { readonly kind: 'retry'; readonly ms: number }
  | { readonly kind: 'comment' }
  | { readonly kind: 'error'; readonly error: EesClientError }
  | { readonly kind: 'ignored' };

function handle<T>(item: SseItem, channel: Channel<T>, status: number): Outcome<T> {
  if (item.type === 'retry') return { kind: 'retry', ms: item.ms };
  if (item.type === 'comment') return { kind: 'comment' };
  if (item.event === 'error') return { kind: 'error', error: errorEvent(status, item.data) };
  if (item.event !== channel.event) return { kind: 'ignored' };
  let data: unknown;
  try {
    data = JSON.parse(item.data);
  } catch (error) {
    // The same message would come again after a reconnect: nothing to retry.
    throw new Fatal(
      new Error(`malformed ${item.event} message ${item.lastEventId}: ${item.data}`, {
        cause: error,
      }),
    );
  }
  return {
    kind: 'value',
    value: channel.decode(data, item.lastEventId),
    position: item.lastEventId,
  };
}

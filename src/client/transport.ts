import { EesClientError, errorFromResponse } from './errors.js';

/**
 * The `fetch` the client calls: the global one, or any function of the same shape (to add
 * retries, logging, or to call an app in process).
 *
 * @example
 * ```ts
 * const logging: Fetch = (input, init) => {
 *   console.log(init?.method ?? 'GET', input);
 *   return fetch(input, init);
 * };
 * const client = createClient({ url, fetch: logging });
 * ```
 */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Query parameters; `undefined` ones are left out. */
export type Query = Readonly<Record<string, string | number | undefined>>;

/** How the client reaches the server: its base URL, `fetch`, and the headers every request carries. */
export interface Transport {
  readonly baseUrl: string;
  readonly fetch: Fetch;
  /** Custom headers plus `Authorization`, sent with every request. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * How long a request sent with `send` (its answer, body included) may take before it is
   * aborted; none when `undefined`. Subscriptions connect without it: they stay open.
   */
  readonly timeoutMs: number | undefined;
}

/** A signal aborted as soon as any of `signals` is, or `undefined` when none is given. */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const given = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return given.length <= 1 ? given[0] : AbortSignal.any(given);
}

/**
 * The URL of `path` under the base URL, which may carry a path of its own (an API Gateway
 * stage: `https://host/prod`).
 */
export function urlOf(transport: Transport, path: string, query: Query = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) search.set(name, String(value));
  }
  const text = search.toString();
  return `${transport.baseUrl}${path}${text === '' ? '' : `?${text}`}`;
}

/**
 * `/streams/<id>` with the id URL-encoded: any Unicode, `/` and `?` included. Not `.` or `..`:
 * URLs drop such segments, even percent-encoded, so the request would reach another endpoint
 * (`/streams/../changesets` is `/changesets`); that is a `RangeError` here, before any request.
 */
export const streamPath = (streamId: string, rest = ''): string => {
  if (streamId === '.' || streamId === '..') {
    throw new RangeError(`The stream id "${streamId}" cannot be named in a URL.`);
  }
  return `/streams/${encodeURIComponent(streamId)}${rest}`;
};

export interface JsonRequest {
  readonly method?: 'GET' | 'POST';
  readonly query?: Query;
  readonly body?: unknown;
  /** Cancels the request, and the reading of its body. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Sends a request and returns its response once the status and headers are in, the body still
 * unread. The request, and the reading of its body, are aborted by `request.signal` and after
 * the transport's `timeoutMs`.
 *
 * @throws EesClientError (or a subclass) for any non-2xx response; whatever `fetch` throws
 * for a network failure or an abort (the signal's reason: an `AbortError`, a `TimeoutError`),
 * unwrapped.
 */
export async function send(
  transport: Transport,
  path: string,
  request: JsonRequest = {},
): Promise<Response> {
  const signal = anySignal(
    request.signal,
    transport.timeoutMs === undefined ? undefined : AbortSignal.timeout(transport.timeoutMs),
  );
  const response = await transport.fetch(urlOf(transport, path, request.query), {
    method: request.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...transport.headers,
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    ...(signal === undefined ? {} : { signal }),
  });
  if (!response.ok) throw await errorFromResponse(response);
  return response;
}

/**
 * The parsed JSON body of a 2xx response from `url`.
 *
 * @throws EesClientError (`code` undefined, the text as `body`) for a body that is not JSON: a
 * proxy's login page, say, answered with 200.
 */
export async function readJson<T>(response: Response, url: string): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new EesClientError({
      status: response.status,
      code: undefined,
      message: `expected JSON from ${url}, got "${response.headers.get('content-type') ?? ''}"`,
      streamId: undefined,
      body: text,
    });
  }
}

/**
 * Sends a request and returns its parsed JSON body.
 *
 * @throws EesClientError (or a subclass) for any non-2xx response, or a 2xx whose body is not
 * JSON; whatever `fetch` throws for a network failure, unwrapped.
 */
export async function requestJson<T>(
  transport: Transport,
  path: string,
  request: JsonRequest = {},
): Promise<T> {
  const response = await send(transport, path, request);
  return readJson<T>(response, urlOf(transport, path, request.query));
}

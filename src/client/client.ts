import { EesClientError } from './errors.js';
import { assertJsonCarries } from './json-values.js';
import type { SubscriptionOptions } from './subscription.js';
import { follow } from './subscription.js';
import type { Fetch, Transport } from './transport.js';
import { anySignal, readJson, requestJson, send, streamPath, urlOf } from './transport.js';
import type {
  ChangesetMessage,
  CommitInput,
  CommitResult,
  EventMessage,
  GlobalChangeset,
  GlobalPage,
  OpenApiDocument,
  Range,
  Statistics,
  StreamChangeset,
  StreamEvent,
} from './types.js';
import type {
  WireChangesets,
  WireCommitResult,
  WireEventMessage,
  WireEvents,
  WireGlobalChangeset,
  WireGlobalPage,
  WireStatistics,
} from './wire.js';
import {
  NEXT_CHECKPOINT_HEADER,
  fromWireChangesetMessage,
  fromWireCommitResult,
  fromWireEvent,
  fromWireEventMessage,
  fromWireGlobalPage,
  fromWireStatistics,
  fromWireStreamChangeset,
} from './wire.js';

/**
 * Where the server is and how to talk to it.
 *
 * @example
 * ```ts
 * const options: ClientOptions = { url: 'https://ees.example.com/prod', token: process.env.EES_TOKEN };
 * ```
 */
export interface ClientOptions {
  /** The server's base URL; may carry a path (`https://host/stage`). A trailing `/` is ignored. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>` with every request. */
  readonly token?: string | undefined;
  /** The `fetch` to use; the global one by default (Node 20+, browsers, Deno, Bun). */
  readonly fetch?: Fetch | undefined;
  /** Extra headers for every request (a custom `Authorization` is replaced by `token`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /**
   * Aborts each one-shot request (and each page request of `enumerate`) that has not been
   * answered, body included, after this many milliseconds: the call throws the `TimeoutError`
   * `fetch` throws. Subscriptions are not timed: they stay open. Default: no limit of the
   * client's own (Node's `fetch` gives up waiting for headers after 300 s).
   */
  readonly timeoutMs?: number | undefined;
}

/**
 * Options of each one-shot call (`version`, `commit`, `readChangesets`, `readEvents`,
 * `readGlobal`, `statistics`, `openapi`).
 *
 * @example
 * ```ts
 * const events = await client.readEvents('account-42', {}, { signal: AbortSignal.timeout(5_000) });
 * ```
 */
export interface RequestOptions {
  /**
   * Aborts the request: the call throws what `fetch` throws, the signal's reason (an
   * `AbortError` `DOMException` for `controller.abort()`).
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Options of `subscribe` and `subscribeEvents`, the global channels.
 *
 * @example
 * ```ts
 * const options: GlobalSubscriptionOptions = { checkpoint: 120, signal: controller.signal };
 * ```
 */
export interface GlobalSubscriptionOptions extends SubscriptionOptions {
  /** The first checkpoint delivered. Default 0: everything, then live. */
  readonly checkpoint?: number | undefined;
}

/**
 * Options of `subscribeStream` and `subscribeStreamEvents`, one stream's channels.
 *
 * @example
 * ```ts
 * const options: StreamSubscriptionOptions = { from: 4, signal: controller.signal };
 * ```
 */
export interface StreamSubscriptionOptions extends SubscriptionOptions {
  /** The first changeset (or event, on the event channel) delivered. Default 1. */
  readonly from?: number | undefined;
}

/**
 * Options of `enumerate`.
 *
 * @example
 * ```ts
 * const options: EnumerateOptions = { from: 500, pageSize: 200 };
 * ```
 */
export interface EnumerateOptions {
  /** The first checkpoint. Default 0. */
  readonly from?: number | undefined;
  /** Changesets asked for per request (the server may cap it). Default 100. */
  readonly pageSize?: number | undefined;
  /**
   * Aborts the enumeration: the loop throws the signal's reason (what `fetch` throws), and no
   * changeset is yielded after the abort.
   */
  readonly signal?: AbortSignal | undefined;
}

const DEFAULT_ENUMERATION_PAGE_SIZE = 100;

/** A page of the enumeration whose headers are in: where the next page starts, and its body. */
interface PageRead {
  /** The `EES-Next-Checkpoint` header, `NaN` when absent. */
  readonly ahead: number;
  readonly body: Promise<WireGlobalPage>;
}

/**
 * A typed client of the Elastic Event Store HTTP API, built on `fetch` only: it runs in Node
 * 20+ and in browsers and has no dependencies.
 *
 * Results are the contract's bodies with camelCase names (`stream_id` → `streamId`,
 * `changeset_id` → `changesetId`, `next_checkpoint` → `nextCheckpoint`, `event_id` and a read
 * event's `id` → `eventId`, `total_streams` → `totalStreams`, and so on; see each result type).
 * Every non-2xx answer throws an `EesClientError` (a `ConcurrencyError` for 409, a
 * `StreamNotFoundError` for an unknown stream), and so does a 2xx whose body is not JSON (a
 * proxy's login page); network failures and aborts throw what `fetch` threw.
 *
 * @example
 * ```ts
 * const client = new EventStoreClient({ url: 'http://127.0.0.1:3000' });
 * await client.commit('account-42', { events: [{ type: 'opened' }] });
 * console.log(await client.readEvents('account-42'));
 * ```
 */
export class EventStoreClient {
  private readonly transport: Transport;

  constructor(options: ClientOptions) {
    const headers = Object.fromEntries(
      Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    // Called through a wrapper: browsers refuse a `fetch` called with another `this`.
    const fetchFunction: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.transport = {
      baseUrl: options.url.replace(/\/+$/, ''),
      fetch: fetchFunction,
      headers,
      timeoutMs: options.timeoutMs,
    };
  }

  /**
   * The server's package version (`GET /version`).
   *
   * @example
   * ```ts
   * console.log(await client.version()); // "1.4.0"
   * ```
   */
  async version(options: RequestOptions = {}): Promise<string> {
    return (
      await requestJson<{ version: string }>(this.transport, '/version', { signal: options.signal })
    ).version;
  }

  /**
   * Commits a changeset to a stream if it ends where `input` expects
   * (`POST /streams/{id}`); with no expectation the stream must not exist yet.
   *
   * @throws TypeError before anything is sent, for an event or metadata holding a value JSON
   * cannot carry (`NaN`, `Infinity`, a bigint, `undefined`, a function, a symbol, a cycle), which
   * `JSON.stringify` would change into `null`, drop, or choke on. A `Date` (anything with a
   * `toJSON` method) is sent as `JSON.stringify` writes it: an ISO string.
   * @throws ConcurrencyError when the stream moved on (409), with the changesets that won.
   * @throws EesClientError for an invalid commit (400: `INVALID_EVENTS`, an expectation ahead of
   * the stream `INVALID_EXPECTED_CHANGESET_ID`, ...) or one too large (413).
   * @example
   * ```ts
   * const { changesetId } = await client.commit('account-42', {
   *   events: [{ type: 'deposited', amount: 10 }],
   *   metadata: { user: 'ada' },
   *   expectedLastChangeset: 3,
   * });
   * ```
   */
  async commit(
    streamId: string,
    input: CommitInput,
    options: RequestOptions = {},
  ): Promise<CommitResult> {
    assertJsonCarries(input.events, 'events');
    if (input.metadata !== undefined) assertJsonCarries(input.metadata, 'metadata');
    const wire = await requestJson<WireCommitResult>(this.transport, streamPath(streamId), {
      method: 'POST',
      query: {
        expected_last_changeset: input.expectedLastChangeset,
        expected_last_event: input.expectedLastEvent,
      },
      body: {
        events: input.events,
        ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
      },
      signal: options.signal,
    });
    return fromWireCommitResult(wire);
  }

  /**
   * A stream's changesets in an inclusive range of changeset ids, in order
   * (`GET /streams/{id}/changesets`). An existing stream with nothing in the range gives `[]`.
   *
   * @throws StreamNotFoundError for a stream that does not exist (404).
   * @example
   * ```ts
   * const changesets = await client.readChangesets('account-42', { from: 2 });
   * ```
   */
  async readChangesets(
    streamId: string,
    range: Range = {},
    options: RequestOptions = {},
  ): Promise<StreamChangeset[]> {
    const wire = await requestJson<WireChangesets>(
      this.transport,
      streamPath(streamId, '/changesets'),
      { query: { from: range.from, to: range.to }, signal: options.signal },
    );
    return wire.changesets.map(fromWireStreamChangeset);
  }

  /**
   * A stream's events in an inclusive range of event ids, even when it starts or ends inside a
   * changeset (`GET /streams/{id}/events`).
   *
   * @throws StreamNotFoundError for a stream that does not exist (404).
   * @example
   * ```ts
   * const events = await client.readEvents('account-42', { from: 3, to: 5 });
   * ```
   */
  async readEvents(
    streamId: string,
    range: Range = {},
    options: RequestOptions = {},
  ): Promise<StreamEvent[]> {
    const wire = await requestJson<WireEvents>(this.transport, streamPath(streamId, '/events'), {
      query: { from: range.from, to: range.to },
      signal: options.signal,
    });
    return wire.events.map(fromWireEvent);
  }

  /**
   * One page of the global enumeration (`GET /changesets`): `checkpoint` defaults to 0 and
   * `limit` to 10 on the server, which may return fewer. Continue from `nextCheckpoint`.
   *
   * @example
   * ```ts
   * const page = await client.readGlobal({ checkpoint: 0, limit: 100 });
   * ```
   */
  async readGlobal(
    page: { readonly checkpoint?: number | undefined; readonly limit?: number | undefined } = {},
    options: RequestOptions = {},
  ): Promise<GlobalPage> {
    const wire = await requestJson<WireGlobalPage>(this.transport, '/changesets', {
      query: { checkpoint: page.checkpoint, limit: page.limit },
      signal: options.signal,
    });
    return fromWireGlobalPage(wire);
  }

  /**
   * Every changeset of every stream from checkpoint `from` on, in checkpoint order, read page by
   * page as the loop asks for more; it ends at the first empty page (the current end of the
   * enumeration). For changesets committed later, use `subscribe`.
   *
   * @example
   * ```ts
   * for await (const changeset of client.enumerate({ from: 0 })) {
   *   project(changeset);
   * }
   * ```
   */
  async *enumerate(
    options: EnumerateOptions = {},
  ): AsyncGenerator<GlobalChangeset, void, undefined> {
    const limit = options.pageSize ?? DEFAULT_ENUMERATION_PAGE_SIZE;
    const cancel = new AbortController();
    const signal = anySignal(cancel.signal, options.signal);
    const pageAt = async (checkpoint: number): Promise<PageRead> => {
      const query = { checkpoint, limit };
      const response = await send(this.transport, '/changesets', { query, signal });
      // The body is read at once, not when the loop gets to it: a page read ahead is then whole
      // within the client's timeout however long the loop takes over the page before it.
      const body = readJson<WireGlobalPage>(response, urlOf(this.transport, '/changesets', query));
      body.catch(() => undefined);
      return { ahead: Number(response.headers.get(NEXT_CHECKPOINT_HEADER) ?? Number.NaN), body };
    };
    const pending = (checkpoint: number): Promise<PageRead> => {
      const page = pageAt(checkpoint);
      // Handled here so that a read-ahead failing while the loop is busy is no unhandled
      // rejection; awaiting it below still throws.
      page.catch(() => undefined);
      return page;
    };
    let checkpoint = options.from ?? 0;
    let next = pending(checkpoint);
    try {
      for (;;) {
        const { ahead, body } = await next;
        // The server names the next page's start in a header, ahead of this page's body: asking
        // for it now lets the server produce it while this one is parsed and consumed.
        const readAhead =
          Number.isSafeInteger(ahead) && ahead > checkpoint ? pending(ahead) : undefined;
        const page = fromWireGlobalPage(await body);
        if (page.changesets.length === 0) return;
        // A server without the header (or one whose header disagrees with its body): the body's
        // next_checkpoint decides, still asked for before this page is consumed; a read-ahead
        // of the wrong page is read and dropped.
        next =
          readAhead !== undefined && ahead === page.nextCheckpoint
            ? readAhead
            : pending(page.nextCheckpoint);
        for (const changeset of page.changesets) {
          options.signal?.throwIfAborted();
          yield changeset;
        }
        checkpoint = page.nextCheckpoint;
      }
    } finally {
      // The loop ended early (break, return, throw) or the enumeration did: drop the read-ahead.
      cancel.abort();
    }
  }

  /**
   * The statistics (`GET /streams`), or `undefined` while the server's projector has not run
   * yet (its 404 "Statistics are not yet generated" is not an error here).
   *
   * @example
   * ```ts
   * const statistics = await client.statistics();
   * console.log(statistics?.totalStreams ?? 'not yet computed');
   * ```
   */
  async statistics(options: RequestOptions = {}): Promise<Statistics | undefined> {
    try {
      return fromWireStatistics(
        await requestJson<WireStatistics>(this.transport, '/streams', { signal: options.signal }),
      );
    } catch (error) {
      if (error instanceof EesClientError && error.code === 'STATISTICS_NOT_READY')
        return undefined;
      throw error;
    }
  }

  /**
   * The server's OpenAPI 3.1 document (`GET /openapi.json`).
   *
   * @example
   * ```ts
   * const { info } = await client.openapi();
   * ```
   */
  openapi(options: RequestOptions = {}): Promise<OpenApiDocument> {
    return requestJson<OpenApiDocument>(this.transport, '/openapi.json', {
      signal: options.signal,
    });
  }

  /**
   * Every changeset of every stream from `checkpoint` on: what is stored, then each new one as
   * it is committed (`GET /changesets` as Server-Sent Events). Each checkpoint arrives exactly
   * once and in order, across reconnections too. Nothing is requested until the loop starts.
   * The iteration ends when `signal` aborts or the loop breaks; it throws an `EesClientError`
   * for a 4xx answer (an invalid checkpoint) and reconnects by itself after anything else.
   *
   * @example
   * ```ts
   * const controller = new AbortController();
   * for await (const changeset of client.subscribe({ checkpoint: 0, signal: controller.signal })) {
   *   console.log(changeset.checkpoint, changeset.streamId, changeset.events);
   * }
   * ```
   */
  subscribe(
    options: GlobalSubscriptionOptions = {},
  ): AsyncGenerator<ChangesetMessage, void, undefined> {
    return follow(
      this.transport,
      {
        path: '/changesets',
        query: { checkpoint: options.checkpoint },
        event: 'changeset',
        decode: (data, position) => fromWireChangesetMessage(data as WireGlobalChangeset, position),
      },
      options,
    );
  }

  /**
   * Every event of every stream from the changeset at `checkpoint` on, one message each
   * (`GET /events` as Server-Sent Events), catching up then live; resumes in the middle of a
   * changeset after a reconnection. Otherwise as `subscribe`.
   *
   * @example
   * ```ts
   * for await (const event of client.subscribeEvents({ checkpoint: 10, signal })) {
   *   console.log(event.position, event.streamId, event.eventId, event.data);
   * }
   * ```
   */
  subscribeEvents(
    options: GlobalSubscriptionOptions = {},
  ): AsyncGenerator<EventMessage, void, undefined> {
    return follow(
      this.transport,
      {
        path: '/events',
        query: { checkpoint: options.checkpoint },
        event: 'event',
        decode: (data, position) => fromWireEventMessage(data as WireEventMessage, position),
      },
      options,
    );
  }

  /**
   * One stream's changesets from changeset `from` (default 1) on, catching up then live
   * (`GET /streams/{id}/changesets` as Server-Sent Events). A stream that does not exist yet
   * is waited for. Otherwise as `subscribe`.
   *
   * @example
   * ```ts
   * for await (const changeset of client.subscribeStream('account-42', { from: 1, signal })) {
   *   state = apply(state, changeset.events);
   * }
   * ```
   */
  subscribeStream(
    streamId: string,
    options: StreamSubscriptionOptions = {},
  ): AsyncGenerator<ChangesetMessage, void, undefined> {
    return follow(
      this.transport,
      {
        path: streamPath(streamId, '/changesets'),
        query: { from: options.from },
        event: 'changeset',
        decode: (data, position) => fromWireChangesetMessage(data as WireGlobalChangeset, position),
      },
      options,
    );
  }

  /**
   * One stream's events from event `from` (default 1) on, catching up then live
   * (`GET /streams/{id}/events` as Server-Sent Events). Otherwise as `subscribe`.
   *
   * @example
   * ```ts
   * for await (const event of client.subscribeStreamEvents('account-42', { from: 3, signal })) {
   *   console.log(event.eventId, event.data);
   * }
   * ```
   */
  subscribeStreamEvents(
    streamId: string,
    options: StreamSubscriptionOptions = {},
  ): AsyncGenerator<EventMessage, void, undefined> {
    return follow(
      this.transport,
      {
        path: streamPath(streamId, '/events'),
        query: { from: options.from },
        event: 'event',
        decode: (data, position) => fromWireEventMessage(data as WireEventMessage, position),
      },
      options,
    );
  }
}

/**
 * Creates a client: the same as `new EventStoreClient(options)`.
 *
 * @example
 * ```ts
 * import { createClient } from 'elastic-event-store/client';
 *
 * const client = createClient({ url: 'http://127.0.0.1:3000', token: 'secret' });
 * const page = await client.readGlobal({ checkpoint: 0 });
 * ```
 */
export const createClient = (options: ClientOptions): EventStoreClient =>
  new EventStoreClient(options);

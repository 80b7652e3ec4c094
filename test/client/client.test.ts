import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  EesClientError,
  EventStoreClient,
  StreamNotFoundError,
  createClient,
} from '../../src/client/index.js';
import type {
  EnumerateOptions,
  Fetch,
  JsonObject,
  RequestOptions,
} from '../../src/client/index.js';
import { UnparsableRequestCodes } from '../../src/core/index.js';
import { createApp } from '../../src/http/index.js';
import { catchUpStatistics } from '../../src/projections/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import type { SilentServer, TestServer } from './server.js';
import { startSilentServer, startTestServer } from './server.js';
import { waitFor } from '../runtime/wait-for.js';

let server: TestServer;
let client: EventStoreClient;
let streamCounter = 0;
/** A stream name no other test uses: the tests share one server. */
const freshStream = (prefix = 'stream') => `${prefix}-${++streamCounter}`;

beforeAll(async () => {
  server = await startTestServer('sqlite::memory:', [
    '--max-changeset-bytes',
    '1000',
    '--max-page-size',
    '7',
    '--stats-interval',
    '0.05',
  ]);
  client = createClient({ url: server.url });
});
afterAll(async () => {
  await server.close();
  expect(server.logged).toEqual([]);
});

/** The rejection of `promise`, which must reject. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('version and openapi', () => {
  it('returns the server version', async () => {
    expect(await client.version()).toBe('9.8.7');
  });

  it('returns the OpenAPI document', async () => {
    const document = await client.openapi();
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe('9.8.7');
    expect(Object.keys(document.paths)).toContain('/streams/{stream_id}');
  });
});

describe('commit', () => {
  it('creates a stream and appends by changeset or event expectation', async () => {
    const id = freshStream();
    expect(await client.commit(id, { events: [{ n: 1 }, { n: 2 }] })).toEqual({
      streamId: id,
      changesetId: 1,
    });
    expect(
      await client.commit(id, {
        events: [{ n: 3 }],
        metadata: { user: 'ada' },
        expectedLastChangeset: 1,
      }),
    ).toEqual({ streamId: id, changesetId: 2 });
    expect(await client.commit(id, { events: [{ n: 4 }], expectedLastEvent: 3 })).toEqual({
      streamId: id,
      changesetId: 3,
    });
    expect(await client.readChangesets(id)).toEqual([
      { changesetId: 1, events: [{ n: 1 }, { n: 2 }], metadata: {} },
      { changesetId: 2, events: [{ n: 3 }], metadata: { user: 'ada' } },
      { changesetId: 3, events: [{ n: 4 }], metadata: {} },
    ]);
  });

  it('URL-encodes stream ids: any Unicode, slashes, ? # % and spaces', async () => {
    const id = `a/b?c#d%e f/é😀-${++streamCounter}`;
    expect(await client.commit(id, { events: [{ n: 1 }] })).toEqual({
      streamId: id,
      changesetId: 1,
    });
    expect(await client.readEvents(id)).toEqual([{ eventId: 1, data: { n: 1 } }]);
    const all = [];
    for await (const changeset of client.enumerate()) all.push(changeset);
    expect(all.filter((changeset) => changeset.streamId === id)).toHaveLength(1);
  });

  it('refuses the stream ids . and .., which a URL cannot name, before sending anything', async () => {
    for (const id of ['.', '..']) {
      await expect(client.commit(id, { events: [{ n: 1 }] })).rejects.toThrow(
        new RangeError(`The stream id "${id}" cannot be named in a URL.`),
      );
      await expect(client.readChangesets(id)).rejects.toThrow(RangeError);
    }
    // `..` would have read the global enumeration as if it were a stream.
    const all = [];
    for await (const changeset of client.enumerate()) all.push(changeset);
    expect(all.filter((changeset) => ['.', '..'].includes(changeset.streamId))).toEqual([]);
  });

  it('throws a ConcurrencyError carrying the winning changesets, typed', async () => {
    const id = freshStream();
    await client.commit(id, { events: [{ n: 1 }] });
    await client.commit(id, { events: [{ n: 2 }, { n: 3 }], expectedLastChangeset: 1 });
    await client.commit(id, {
      events: [{ n: 4 }],
      metadata: { by: 'x' },
      expectedLastChangeset: 2,
    });

    const error = await failure(
      client.commit(id, { events: [{ n: 9 }], expectedLastChangeset: 1 }),
    );
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toBeInstanceOf(EesClientError);
    const conflict = error as ConcurrencyError;
    expect(conflict.name).toBe('ConcurrencyError');
    expect(conflict.status).toBe(409);
    expect(conflict.code).toBe('OPTIMISTIC_CONCURRENCY_EXCEPTION');
    expect(conflict.streamId).toBe(id);
    expect(conflict.message).toBe(
      'The expected last changeset (1) is outdated, review the changeset(s) appended after it.',
    );
    expect(conflict.forthcoming).toEqual([
      { changesetId: 2, events: [{ n: 2 }, { n: 3 }], metadata: {} },
      { changesetId: 3, events: [{ n: 4 }], metadata: { by: 'x' } },
    ]);
    expect(conflict.body).toMatchObject({ forthcoming_changesets: expect.any(Array) as unknown });

    // Without an expectation the stream must not exist: the conflict lists it from changeset 1.
    const fromStart = (await failure(
      client.commit(id, { events: [{ n: 0 }] }),
    )) as ConcurrencyError;
    expect(fromStart.forthcoming.map((changeset) => changeset.changesetId)).toEqual([1, 2, 3]);

    // By event: every changeset holding an event after the one expected.
    const byEvent = (await failure(
      client.commit(id, { events: [{ n: 0 }], expectedLastEvent: 2 }),
    )) as ConcurrencyError;
    expect(byEvent.message).toContain('expected last event (2)');
    expect(byEvent.forthcoming.map((changeset) => changeset.changesetId)).toEqual([2, 3]);
  });

  it('throws typed 400s with the contract codes and messages', async () => {
    const id = freshStream();
    await client.commit(id, { events: [{ n: 1 }] });

    const ahead = (await failure(
      client.commit(id, { events: [{ n: 2 }], expectedLastChangeset: 5 }),
    )) as EesClientError;
    expect(ahead).toBeInstanceOf(EesClientError);
    expect(ahead).not.toBeInstanceOf(ConcurrencyError);
    expect(ahead.status).toBe(400);
    expect(ahead.code).toBe('INVALID_EXPECTED_CHANGESET_ID');
    expect(ahead.streamId).toBe(id);
    expect(ahead.message).toBe(
      `The specified expected changeset(5) doesn't exist. The "${id}" stream's most recent changeset is 1.`,
    );

    const empty = (await failure(
      client.commit(id, { events: [], expectedLastChangeset: 1 }),
    )) as EesClientError;
    expect([empty.status, empty.code]).toEqual([400, 'INVALID_EVENTS']);

    // JavaScript callers can get past the types: the server has the last word.
    const both = (await failure(
      client.commit(id, {
        events: [{ n: 2 }],
        expectedLastChangeset: 1,
        expectedLastEvent: 1,
      } as unknown as Parameters<EventStoreClient['commit']>[1]),
    )) as EesClientError;
    expect([both.status, both.code]).toEqual([400, 'BOTH_EXPECTED_CHANGESET_AND_EVENT_ARE_SET']);

    const negative = (await failure(
      client.commit(id, { events: [{ n: 2 }], expectedLastEvent: -1 }),
    )) as EesClientError;
    expect([negative.status, negative.code]).toEqual([400, 'INVALID_EXPECTED_EVENT_ID']);

    const missing = (await failure(client.commit('', { events: [{ n: 1 }] }))) as EesClientError;
    expect([missing.status, missing.code, missing.streamId]).toEqual([
      400,
      'MISSING_STREAM_ID',
      undefined,
    ]);
    expect(missing.body).toEqual({
      error: 'MISSING_STREAM_ID',
      message: 'stream_id is a required value',
    });

    const tooLarge = (await failure(
      client.commit(id, { events: [{ text: 'x'.repeat(2000) }], expectedLastChangeset: 1 }),
    )) as EesClientError;
    expect([tooLarge.status, tooLarge.code]).toEqual([413, 'CHANGESET_TOO_LARGE']);
  });
});

describe('values JSON cannot carry', () => {
  /** A client of the real server that counts the requests it sends. */
  const counted = () => {
    const sent: string[] = [];
    const counting = createClient({
      url: server.url,
      fetch: (input, init) => {
        sent.push(input);
        return fetch(input, init);
      },
    });
    return { counting, sent };
  };

  const cycle: Record<string, unknown> = { name: 'loop' };
  cycle.self = cycle;

  it.each([
    ['NaN', [{ n: 1 }, { amount: Number.NaN }], undefined, 'events[1].amount is NaN'],
    ['Infinity', [{ n: Infinity }], undefined, 'events[0].n is Infinity'],
    [
      '-Infinity in an array',
      [{ list: [1, -Infinity] }],
      undefined,
      'events[0].list[1] is -Infinity',
    ],
    ['a bigint', [{ big: 10n }], undefined, 'events[0].big is a bigint (10n)'],
    [
      'undefined in an object',
      [{ n: 1, gone: undefined }],
      undefined,
      'events[0].gone is undefined',
    ],
    ['undefined in an array', [{ list: [undefined] }], undefined, 'events[0].list[0] is undefined'],
    ['a function', [{ run: () => 1 }], undefined, 'events[0].run is a function'],
    ['a symbol', [{ tag: Symbol('t') }], undefined, 'events[0].tag is a symbol'],
    [
      'NaN deep down, under a key that is no identifier',
      [{ nested: { 'trace id': [{ at: Number.NaN }] } }],
      undefined,
      'events[0].nested["trace id"][0].at is NaN',
    ],
    ['undefined in metadata', [{ n: 1 }], { user: undefined }, 'metadata.user is undefined'],
    ['an undefined event', [{ n: 1 }, undefined], undefined, 'events[1] is undefined'],
    ['a cycle', [cycle], undefined, 'events[0].self is events[0] again (a cycle)'],
  ])('refuses %s before sending anything', async (_kind, events, metadata, start) => {
    const { counting, sent } = counted();
    const id = freshStream('refused');
    const error = await failure(
      counting.commit(id, {
        events: events as JsonObject[],
        ...(metadata === undefined ? {} : { metadata }),
      }),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe(`${start}, which JSON cannot carry`);
    expect(sent).toEqual([]);
    await expect(client.readChangesets(id)).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('sends a Date as JSON.stringify writes it, an ISO string', async () => {
    const { counting, sent } = counted();
    const id = freshStream('dated');
    const at = new Date('2024-05-06T07:08:09.010Z');
    await counting.commit(id, { events: [{ at }], metadata: { at } });
    expect(sent).toHaveLength(1);
    expect(await client.readChangesets(id)).toEqual([
      {
        changesetId: 1,
        events: [{ at: '2024-05-06T07:08:09.010Z' }],
        metadata: { at: '2024-05-06T07:08:09.010Z' },
      },
    ]);
  });
});

describe('readChangesets and readEvents', () => {
  let id: string;
  beforeAll(async () => {
    id = freshStream('read');
    await client.commit(id, { events: [{ n: 1 }, { n: 2 }] });
    await client.commit(id, { events: [{ n: 3 }, { n: 4 }, { n: 5 }], expectedLastChangeset: 1 });
    await client.commit(id, { events: [{ n: 6 }], expectedLastChangeset: 2 });
  });

  it('reads changesets by inclusive range', async () => {
    expect(
      (await client.readChangesets(id, { from: 2 })).map((changeset) => changeset.changesetId),
    ).toEqual([2, 3]);
    expect(await client.readChangesets(id, { from: 2, to: 2 })).toEqual([
      { changesetId: 2, events: [{ n: 3 }, { n: 4 }, { n: 5 }], metadata: {} },
    ]);
    expect(await client.readChangesets(id, { to: 1 })).toHaveLength(1);
    expect(await client.readChangesets(id, { from: 9 })).toEqual([]);
  });

  it('reads events by inclusive range, inside changesets too', async () => {
    expect(await client.readEvents(id, { from: 2, to: 4 })).toEqual([
      { eventId: 2, data: { n: 2 } },
      { eventId: 3, data: { n: 3 } },
      { eventId: 4, data: { n: 4 } },
    ]);
    expect((await client.readEvents(id)).map((event) => event.eventId)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('throws StreamNotFoundError for an unknown stream', async () => {
    for (const read of [
      client.readChangesets('no-such-stream'),
      client.readEvents('no-such-stream', { from: 1 }),
    ]) {
      const error = (await failure(read)) as StreamNotFoundError;
      expect(error).toBeInstanceOf(StreamNotFoundError);
      expect(error).toBeInstanceOf(EesClientError);
      expect(error.status).toBe(404);
      expect(error.code).toBe('STREAM_NOT_FOUND');
      expect(error.streamId).toBe('no-such-stream');
      expect(error.message).toBe("The specified stream(no-such-stream) doesn't exist");
    }
  });

  it('throws the filtering errors of each resource', async () => {
    const inverted = (await failure(
      client.readChangesets(id, { from: 3, to: 1 }),
    )) as EesClientError;
    expect([inverted.status, inverted.code, inverted.message]).toEqual([
      400,
      'INVALID_CHANGESET_FILTERING_PARAMS',
      'The higher boundary cannot be lower than the lower boundary: 3(from) > 1(to)',
    ]);
    const negative = (await failure(client.readEvents(id, { from: -1 }))) as EesClientError;
    expect([negative.status, negative.code]).toEqual([400, 'INVALID_EVENT_FILTERING_PARAMS']);
  });
});

describe('readGlobal and enumerate', () => {
  let before: number;
  const ids: string[] = [];
  beforeAll(async () => {
    before = 0;
    for await (const changeset of client.enumerate()) before = changeset.checkpoint + 1;
    for (let n = 0; n < 4; n++) {
      const id = freshStream('global');
      ids.push(id);
      await client.commit(id, { events: [{ n }], metadata: { n } });
      await client.commit(id, { events: [{ n: n + 10 }], expectedLastChangeset: 1 });
    }
  });

  it('reads one page with camelCase fields', async () => {
    const page = await client.readGlobal({ checkpoint: before, limit: 2 });
    expect(page).toEqual({
      checkpoint: before,
      limit: 2,
      changesets: [
        {
          streamId: ids[0],
          changesetId: 1,
          events: [{ n: 0 }],
          metadata: { n: 0 },
          checkpoint: before,
        },
        {
          streamId: ids[0],
          changesetId: 2,
          events: [{ n: 10 }],
          metadata: {},
          checkpoint: before + 1,
        },
      ],
      nextCheckpoint: before + 2,
    });
  });

  it('uses the server defaults, and caps pages at the server page size', async () => {
    const page = await client.readGlobal();
    expect([page.checkpoint, page.limit]).toEqual([0, 10]);
    expect(page.changesets).toHaveLength(7);
    expect(page.nextCheckpoint).toBe(7);
  });

  it('returns an empty page past the end', async () => {
    const page = await client.readGlobal({ checkpoint: before + 100 });
    expect(page.changesets).toEqual([]);
    expect(page.nextCheckpoint).toBe(before + 100);
  });

  it('throws INVALID_CHECKPOINT and INVALID_LIMIT', async () => {
    const checkpoint = (await failure(client.readGlobal({ checkpoint: -1 }))) as EesClientError;
    expect([checkpoint.status, checkpoint.code]).toEqual([400, 'INVALID_CHECKPOINT']);
    const limit = (await failure(client.readGlobal({ limit: 0 }))) as EesClientError;
    expect([limit.status, limit.code, limit.message]).toEqual([
      400,
      'INVALID_LIMIT',
      '"0" is an invalid limit value. Expected an integer value greater than 0.',
    ]);
  });

  it('enumerates every page from a checkpoint, in order, gapless', async () => {
    const seen: number[] = [];
    for await (const changeset of client.enumerate({ from: before, pageSize: 3 })) {
      seen.push(changeset.checkpoint);
    }
    expect(seen).toEqual(Array.from({ length: 8 }, (_, index) => before + index));
    // Pages larger than the server's cap still reach the end.
    const all: number[] = [];
    for await (const changeset of client.enumerate({ pageSize: 1000 }))
      all.push(changeset.checkpoint);
    expect(all).toEqual(Array.from({ length: before + 8 }, (_, index) => index));
  });

  it('asks for the next page while the loop still consumes this one', async () => {
    const requested: number[] = [];
    const recording = createClient({
      url: server.url,
      fetch: (input, init) => {
        requested.push(Number(new URL(input).searchParams.get('checkpoint')));
        return fetch(input, init);
      },
    });
    const seen: number[] = [];
    for await (const changeset of recording.enumerate({ pageSize: 3 })) {
      // By the first changeset of a page, the next page has been asked for.
      if (changeset.checkpoint % 3 === 0) {
        expect(requested.at(-1)).toBe(Math.min(changeset.checkpoint + 3, before + 8));
      }
      seen.push(changeset.checkpoint);
    }
    expect(seen).toEqual(Array.from({ length: before + 8 }, (_, index) => index));
    // One request per page, the empty one at the end included, and none twice.
    expect(requested).toEqual(
      Array.from({ length: Math.ceil((before + 8) / 3) + 1 }, (_, page) =>
        Math.min(page * 3, before + 8),
      ),
    );
  });

  it('reads every page, one after another, from a server without the header', async () => {
    const requested: number[] = [];
    const older = createClient({
      url: server.url,
      fetch: async (input, init) => {
        requested.push(Number(new URL(input).searchParams.get('checkpoint')));
        const response = await fetch(input, init);
        const headers = new Headers(response.headers);
        headers.delete('ees-next-checkpoint');
        return new Response(response.body, { status: response.status, headers });
      },
    });
    const seen: number[] = [];
    for await (const changeset of older.enumerate({ from: before, pageSize: 3 })) {
      seen.push(changeset.checkpoint);
    }
    expect(seen).toEqual(Array.from({ length: 8 }, (_, index) => before + index));
    expect(requested).toEqual([before, before + 3, before + 6, before + 8]);
  });

  it('stops reading when the loop breaks, and cancels the page read ahead', async () => {
    const requests: { checkpoint: number; signal: AbortSignal | undefined }[] = [];
    const counting = createClient({
      url: server.url,
      fetch: (input, init) => {
        const checkpoint = Number(new URL(input).searchParams.get('checkpoint'));
        requests.push({ checkpoint, signal: init?.signal ?? undefined });
        return fetch(input, init);
      },
    });
    for await (const changeset of counting.enumerate({ pageSize: 2 })) {
      if (changeset.checkpoint === 2) break;
    }
    expect(requests.map((request) => request.checkpoint)).toEqual([0, 2, 4]);
    expect(requests.at(-1)?.signal?.aborted).toBe(true);
  });
});

describe('statistics', () => {
  it('is undefined before the first projector run, then the totals', async () => {
    const store = createMemoryStore();
    const app = createApp({ store, version: '1' });
    const inProcess = createClient({
      url: 'http://ees.test',
      fetch: (input, init) => Promise.resolve(app.fetch(new Request(input, init))),
    });
    expect(await inProcess.statistics()).toBeUndefined();
    await inProcess.commit('a', { events: [{ n: 1 }, { n: 2 }] });
    await inProcess.commit('a', { events: [{ n: 3 }], expectedLastChangeset: 1 });
    await inProcess.commit('b', { events: [{ n: 1 }] });
    await catchUpStatistics(store);
    expect(await inProcess.statistics()).toEqual({
      totalStreams: 2,
      totalChangesets: 3,
      totalEvents: 4,
      maxStreamLength: 2,
      statisticsVersion: 3,
    });
  });

  it('follows the real server', async () => {
    await waitFor(async () => (await client.statistics()) !== undefined);
    const statistics = await client.statistics();
    expect(statistics?.statisticsVersion).toEqual(expect.any(Number));
  });
});

describe('transport', () => {
  it('sends the token as a bearer token, custom headers, and joins paths to a base URL', async () => {
    const seen: { url: string; headers: Headers; method: string }[] = [];
    const recording: Fetch = (input, init) => {
      seen.push({
        url: input,
        headers: new Headers(init?.headers),
        method: init?.method ?? 'GET',
      });
      return Promise.resolve(Response.json({ stream_id: 'a b', changeset_id: 1 }, { status: 200 }));
    };
    const withToken = new EventStoreClient({
      url: 'https://ees.example/prod/',
      token: 's3cret',
      headers: { 'X-Trace': 't-1', Authorization: 'Basic replaced' },
      fetch: recording,
    });
    await withToken.commit('a b', { events: [{ n: 1 }], expectedLastChangeset: 0 });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.url).toBe('https://ees.example/prod/streams/a%20b?expected_last_changeset=0');
    expect(request?.method).toBe('POST');
    expect(request?.headers.get('authorization')).toBe('Bearer s3cret');
    expect(request?.headers.get('x-trace')).toBe('t-1');
    expect(request?.headers.get('content-type')).toBe('application/json');
    expect(request?.headers.get('accept')).toBe('application/json');
  });

  it('leaves out query parameters that are not given', async () => {
    const urls: string[] = [];
    const recording = createClient({
      url: 'http://x',
      fetch: (input) => {
        urls.push(input);
        return Promise.resolve(Response.json({ stream_id: 's', changesets: [] }));
      },
    });
    await recording.readChangesets('s');
    await recording.readChangesets('s', { to: 4 });
    expect(urls).toEqual(['http://x/streams/s/changesets', 'http://x/streams/s/changesets?to=4']);
  });

  it('gives ENDPOINT_NOT_FOUND for a URL that is not the API', async () => {
    const wrong = createClient({ url: `${server.url}/not-here` });
    const error = (await failure(wrong.version())) as EesClientError;
    expect([error.status, error.code, error.message]).toEqual([
      404,
      'ENDPOINT_NOT_FOUND',
      'Invalid endpoint',
    ]);
  });

  it('keeps a body that is not the server’s, as text', async () => {
    const proxy = createClient({
      url: 'http://x',
      fetch: () =>
        Promise.resolve(
          new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }),
        ),
    });
    const error = (await failure(proxy.version())) as EesClientError;
    expect(error).toBeInstanceOf(EesClientError);
    expect([error.status, error.code, error.message, error.body]).toEqual([
      502,
      undefined,
      'HTTP 502 Bad Gateway',
      '<h1>Bad gateway</h1>',
    ]);
  });

  it('throws an EesClientError for a 2xx whose body is not JSON, such as a login page', async () => {
    const page = '<html><body>Please sign in</body></html>';
    const portal = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page);
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
    try {
      const behindPortal = createClient({ url });
      const calls: [string, () => Promise<unknown>][] = [
        ['/version', () => behindPortal.version()],
        ['/streams/s', () => behindPortal.commit('s', { events: [{}] })],
        ['/streams/s/events?from=2', () => behindPortal.readEvents('s', { from: 2 })],
        ['/changesets', () => behindPortal.readGlobal()],
        ['/streams', () => behindPortal.statistics()],
        [
          '/changesets?checkpoint=0&limit=100',
          async () => {
            for await (const changeset of behindPortal.enumerate()) return changeset;
          },
        ],
      ];
      for (const [path, call] of calls) {
        const error = await failure(call());
        expect(error).toBeInstanceOf(EesClientError);
        const { status, code, message, body } = error as EesClientError;
        expect({ status, code, message, body }).toEqual({
          status: 200,
          code: undefined,
          message: `expected JSON from ${url}${path}, got "text/html; charset=utf-8"`,
          body: page,
        });
      }
    } finally {
      portal.closeAllConnections();
      await new Promise((resolve) => portal.close(resolve));
    }
  });

  it('gets HEADERS_TOO_LARGE, one of the shared UnparsableRequestCodes, for oversized headers', async () => {
    const oversized = createClient({
      url: server.url,
      headers: { 'x-padding': 'a'.repeat(20_000) },
    });
    const error = (await failure(oversized.version())) as EesClientError;
    expect(error).toBeInstanceOf(EesClientError);
    expect([error.status, error.code]).toEqual([431, 'HEADERS_TOO_LARGE']);
    expect(UnparsableRequestCodes).toContain(error.code);
  });

  it('lets network failures through as the fetch error', async () => {
    const closed = await startTestServer('memory:');
    await closed.close();
    const error = await failure(createClient({ url: closed.url }).version());
    expect(error).not.toBeInstanceOf(EesClientError);
    expect(error).toBeInstanceOf(TypeError);
  });
});

/** The rejection of `promise`, which must come within `ms` (a hung call fails the test fast). */
async function failureWithin(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`still pending after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([failure(promise), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every call that sends one request (or, for `enumerate`, one per page), with `options`. */
const oneShotCalls = (
  target: EventStoreClient,
  options: RequestOptions & EnumerateOptions,
): [string, () => Promise<unknown>][] => [
  ['version', () => target.version(options)],
  ['commit', () => target.commit('s', { events: [{ n: 1 }] }, options)],
  ['readChangesets', () => target.readChangesets('s', {}, options)],
  ['readEvents', () => target.readEvents('s', {}, options)],
  ['readGlobal', () => target.readGlobal({}, options)],
  ['statistics', () => target.statistics(options)],
  ['openapi', () => target.openapi(options)],
  [
    'enumerate',
    async () => {
      const seen: unknown[] = [];
      for await (const changeset of target.enumerate(options)) seen.push(changeset);
      return seen;
    },
  ],
];

describe('cancellation and timeouts', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
    // Enough changesets for pages of 5 to need several requests, whatever ran before.
    const id = freshStream('paced');
    for (let changeset = 0; changeset < 12; changeset++) {
      await client.commit(id, { events: [{ changeset }], expectedLastChangeset: changeset });
    }
  });
  afterAll(async () => {
    await silent.close();
  });

  const requestArrived = async (before: number): Promise<void> => {
    await waitFor(() => Promise.resolve(silent.requests() > before));
  };

  it('ends each call to a server that never answers when its signal aborts', async () => {
    const hung = createClient({ url: silent.url });
    for (let index = 0; index < oneShotCalls(hung, {}).length; index++) {
      const controller = new AbortController();
      const [name, call] = oneShotCalls(hung, { signal: controller.signal })[index] ?? [];
      if (call === undefined) throw new Error('no such call');
      const before = silent.requests();
      const pending = call();
      await requestArrived(before);
      const abortedAt = Date.now();
      controller.abort();
      const error = await failureWithin(pending, 2_000);
      expect([name, (error as Error).name]).toEqual([name, 'AbortError']);
      expect(Date.now() - abortedAt).toBeLessThan(1_000);
    }
  });

  it('sends nothing for a signal aborted already', async () => {
    const hung = createClient({ url: silent.url });
    const before = silent.requests();
    for (const [name, call] of oneShotCalls(hung, { signal: AbortSignal.abort() })) {
      const error = await failureWithin(call(), 2_000);
      expect([name, (error as Error).name]).toEqual([name, 'AbortError']);
    }
    expect(silent.requests()).toBe(before);
  });

  it('aborts each call after timeoutMs, or sooner when the caller’s signal aborts', async () => {
    const timed = createClient({ url: silent.url, timeoutMs: 200 });
    for (const [name, call] of oneShotCalls(timed, {})) {
      const startedAt = Date.now();
      const error = await failureWithin(call(), 2_000);
      expect([name, (error as Error).name]).toEqual([name, 'TimeoutError']);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
    }
    const patient = createClient({ url: silent.url, timeoutMs: 60_000 });
    const controller = new AbortController();
    const before = silent.requests();
    const pending = patient.readEvents('s', {}, { signal: controller.signal });
    await requestArrived(before);
    controller.abort();
    expect(((await failureWithin(pending, 1_000)) as Error).name).toBe('AbortError');
  });

  it('times each page of enumerate, not the loop: a slow loop is no timeout', async () => {
    const timed = createClient({ url: server.url, timeoutMs: 300 });
    const seen: number[] = [];
    for await (const changeset of timed.enumerate({ pageSize: 5 })) {
      // The page read ahead is answered meanwhile, and must stay readable.
      if (changeset.checkpoint === 0) await new Promise((resolve) => setTimeout(resolve, 600));
      seen.push(changeset.checkpoint);
    }
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, index) => index));
    expect(seen.length).toBeGreaterThanOrEqual(12);
  });

  it('yields nothing after the enumeration’s signal aborts', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const error = await failure(
      (async () => {
        for await (const changeset of client.enumerate({
          pageSize: 5,
          signal: controller.signal,
        })) {
          seen.push(changeset.checkpoint);
          if (changeset.checkpoint === 1) controller.abort();
        }
      })(),
    );
    expect((error as Error).name).toBe('AbortError');
    expect(seen).toEqual([0, 1]);
  });
});

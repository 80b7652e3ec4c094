import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/core/index.js';
import { NEW_STREAM, commitChangeset } from '../../src/core/index.js';
import type { Limits } from '../../src/http/index.js';
import { DEFAULT_LIMITS, createApp } from '../../src/http/index.js';
import { resolveConfig } from '../../src/runtime/config.js';
import type { RunningServer, SlowClientTimeouts } from '../../src/runtime/server.js';
import { startServer } from '../../src/runtime/server.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { sseFrames } from './sse-reader.js';

const SSE = { accept: 'text/event-stream' };

const events = (count: number) => Array.from({ length: count }, (_, n) => ({ n }));

/** An app over a store holding one stream, `seeded`, of one changeset. */
async function appWith(limits: Partial<Limits> = {}) {
  const store = openSqliteStore({ filename: ':memory:' });
  await commitChangeset(store, {
    streamId: 'seeded',
    expectation: NEW_STREAM,
    events: [{ type: 'opened' }],
    metadata: {},
  });
  const shutdown = new AbortController();
  const app = createApp({
    store,
    version: '1',
    limits,
    shutdown: shutdown.signal,
    push: { heartbeatMs: 60_000 },
  });
  const request = async (path: string, init: RequestInit = {}) => {
    const response = await app.request(path, init);
    if (response.headers.get('content-type') === 'text/event-stream') {
      await response.body?.cancel();
    }
    return response;
  };
  const commit = (streamId: string, body: unknown) =>
    request(`/streams/${encodeURIComponent(streamId)}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
  /** Only the seeded changeset is stored: the rejected request wrote nothing. */
  const expectNothingWritten = async () => {
    expect(await store.readGlobal(0, 10)).toHaveLength(1);
  };
  const target = {
    store,
    request,
    commit,
    expectNothingWritten,
    close: async () => {
      shutdown.abort();
      await store.close();
    },
  };
  opened.push(target);
  return target;
}

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const target of opened.splice(0)) await target.close();
});

describe('defaults', () => {
  it('are documented values', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxChangesetBytes: 409_600,
      maxPageSize: 1000,
      maxPageBytes: 4 * 1024 * 1024,
      maxEventsPerChangeset: 1000,
      maxStreamIdBytes: 1024,
      maxUrlBytes: 8192,
      maxSubscribers: 1000,
    });
  });
});

describe('events per changeset', () => {
  it('accepts up to 1000 events by default and refuses 1001 with 413 TOO_MANY_EVENTS', async () => {
    const target = await appWith();
    expect((await target.commit('at-limit', { events: events(1000) })).status).toBe(200);
    const response = await target.commit('over-limit', { events: events(1001) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      stream_id: 'over-limit',
      error: 'TOO_MANY_EVENTS',
      message: 'The changeset has 1001 events; the limit is 1000 events per changeset.',
    });
    expect(await target.store.readChangesets('over-limit', {})).toBeUndefined();
  });

  it('applies a configured limit, writing nothing', async () => {
    const target = await appWith({ maxEventsPerChangeset: 3 });
    const response = await target.commit('s', { events: events(4) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe('TOO_MANY_EVENTS');
    await target.expectNothingWritten();
    expect((await target.commit('s', { events: events(3) })).status).toBe(200);
  });
});

describe('changeset bytes', () => {
  it('refuses a changeset over the configured size with 413 CHANGESET_TOO_LARGE, writing nothing', async () => {
    const target = await appWith({ maxChangesetBytes: 100 });
    const response = await target.commit('s', { events: [{ text: 'x'.repeat(100) }] });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      stream_id: 's',
      error: 'CHANGESET_TOO_LARGE',
      message: 'The changeset exceeds the limit of 100 bytes.',
    });
    await target.expectNothingWritten();
  });
});

describe('stream ids', () => {
  const atLimit = 'a'.repeat(1024);
  const overLimit = 'a'.repeat(1025);
  // 342 euro signs: 1026 UTF-8 bytes in 342 characters.
  const overLimitMultiByte = '€'.repeat(342);

  /** Every route that takes a stream id, as a request for `id`. */
  const routes: [string, (id: string) => [string, RequestInit]][] = [
    [
      'commit',
      (id) => [
        `/streams/${encodeURIComponent(id)}`,
        { method: 'POST', body: JSON.stringify({ events: [{}] }) },
      ],
    ],
    ['read changesets', (id) => [`/streams/${encodeURIComponent(id)}/changesets`, {}]],
    ['read events', (id) => [`/streams/${encodeURIComponent(id)}/events`, {}]],
    [
      'subscribe to changesets',
      (id) => [`/streams/${encodeURIComponent(id)}/changesets`, { headers: SSE }],
    ],
    [
      'subscribe to events',
      (id) => [`/streams/${encodeURIComponent(id)}/events`, { headers: SSE }],
    ],
  ];

  it.each(routes)(
    '%s: refuses ids over 1024 UTF-8 bytes with 400 INVALID_STREAM_ID',
    async (_, as) => {
      const target = await appWith();
      for (const [id, bytes] of [
        [overLimit, 1025],
        [overLimitMultiByte, 1026],
      ] as const) {
        const response = await target.request(...as(id));
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({
          stream_id: id,
          error: 'INVALID_STREAM_ID',
          message: `The stream id is ${bytes} bytes long in UTF-8; the limit is 1024 bytes.`,
        });
      }
      await target.expectNothingWritten();
    },
  );

  it.each(routes)('%s: refuses ids holding U+0000 with 400 INVALID_STREAM_ID', async (_, as) => {
    const target = await appWith();
    const response = await target.request(...as('bad\u0000id'));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      stream_id: 'bad\u0000id',
      error: 'INVALID_STREAM_ID',
      message: 'A stream id cannot contain the character U+0000 (NUL).',
    });
    await target.expectNothingWritten();
  });

  it.each(['%ZZ', '%', 'a%2', '%FF', '%C0%AF', '%ED%A0%80'])(
    'refuses the path segment %s, which does not decode, on every route',
    async (raw) => {
      const target = await appWith();
      const requests: [string, RequestInit][] = [
        [`/streams/${raw}`, { method: 'POST', body: JSON.stringify({ events: [{}] }) }],
        [`/streams/${raw}/changesets`, {}],
        [`/streams/${raw}/events`, {}],
        [`/streams/${raw}/changesets`, { headers: SSE }],
        [`/streams/${raw}/events`, { headers: SSE }],
      ];
      for (const request of requests) {
        const response = await target.request(...request);
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({
          error: 'INVALID_STREAM_ID',
          message:
            'The stream id in the URL is not percent-encoded UTF-8: a "%" starts an escape like %2F, and "%" itself is %25.',
        });
      }
      await target.expectNothingWritten();
    },
  );

  it('accepts an id of exactly the limit on every route', async () => {
    const target = await appWith();
    expect((await target.commit(atLimit, { events: [{}] })).status).toBe(200);
    for (const [, as] of routes.slice(1)) {
      expect((await target.request(...as(atLimit))).status).toBe(200);
    }
  });

  it('applies a configured limit', async () => {
    const target = await appWith({ maxStreamIdBytes: 4 });
    expect((await target.commit('abcd', { events: [{}] })).status).toBe(200);
    expect((await target.commit('abcde', { events: [{}] })).status).toBe(400);
    expect((await target.commit('aé€', { events: [{}] })).status).toBe(400); // 6 bytes
  });

  it('keeps the contract answer for an empty stream id', async () => {
    const target = await appWith();
    const response = await target.request('/streams//changesets');
    expect(await response.json()).toEqual({
      error: 'MISSING_STREAM_ID',
      message: 'stream_id is a required value',
    });
  });
});

describe('page size of GET /changesets', () => {
  it('serves at most the maximum, echoing the limit asked for', async () => {
    const target = await appWith({ maxPageSize: 2 });
    for (const id of ['b', 'c']) await target.commit(id, { events: [{}] });
    const response = await target.request('/changesets?limit=5000');
    const body = (await response.json()) as Record<string, unknown> & { changesets: unknown[] };
    expect(body).toMatchObject({ checkpoint: 0, limit: 5000, next_checkpoint: 2 });
    expect(body.changesets).toHaveLength(2);
  });

  it('ends a page with the changeset that reaches the byte limit, and goes on from there', async () => {
    // Each changeset: `[{"p":"…"}]` with 1000 x's and the metadata `{}`, 1012 bytes as stored.
    const target = await appWith({ maxPageBytes: 2500 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      await target.commit(id, { events: [{ p: 'x'.repeat(1000) }] });
    }
    const page = async (checkpoint: number) => {
      const response = await target.request(`/changesets?checkpoint=${checkpoint}&limit=10`);
      const body = (await response.json()) as {
        changesets: { stream_id: string }[];
        next_checkpoint: number;
      };
      return [body.changesets.map((c) => c.stream_id), body.next_checkpoint];
    };
    // Checkpoint 0 is the seeded changeset.
    expect(await page(1)).toEqual([['a', 'b', 'c'], 4]);
    expect(await page(4)).toEqual([['d', 'e'], 6]);
    expect(await page(6)).toEqual([[], 6]);
  });
});

/**
 * An app whose stream `s` holds 12 changesets of 1 to 3 events of ~330 characters and 410 of
 * metadata (24 events): several pages of 5000 bytes.
 */
async function appWithLargeStream(limits: Partial<Limits> = {}) {
  const target = await appWith(limits);
  for (let n = 1; n <= 12; n++) {
    const events = Array.from({ length: (n % 3) + 1 }, (_, i) => ({ n, i, p: 'x'.repeat(300) }));
    const response = await target.request(`/streams/s?expected_last_changeset=${n - 1}`, {
      method: 'POST',
      body: JSON.stringify({ events, metadata: { m: 'y'.repeat(400) } }),
    });
    expect(response.status).toBe(200);
  }
  return target;
}

/** Counts a store's stream reads. */
function countReads(store: EventStore) {
  const counter = { reads: 0 };
  const readChangesets = store.readChangesets.bind(store);
  const readEvents = store.readEvents.bind(store);
  store.readChangesets = (...read) => (counter.reads++, readChangesets(...read));
  store.readEvents = (...read) => (counter.reads++, readEvents(...read));
  return counter;
}

describe('stream reads larger than a page', () => {
  it('are answered whole, read page after page', async () => {
    const target = await appWithLargeStream({ maxPageBytes: 5000 });
    const { store } = target;
    const unbounded = {
      changesets: store.readChangesets.bind(store),
      events: store.readEvents.bind(store),
    };
    const counter = countReads(store);
    /** The range a query string asks for, as the store takes it. */
    const rangeOf = (query: string) => {
      const parameters = new URLSearchParams(query);
      const bound = (name: string) => {
        const value = parameters.get(name);
        return value === null ? undefined : Number(value);
      };
      return { from: bound('from'), to: bound('to') };
    };
    const answer = async (path: string) => {
      const response = await target.request(path);
      return [response.status, response.headers.get('content-type'), await response.json()];
    };
    for (const query of ['', '?from=3', '?from=2&to=11', '?to=5', '?from=12', '?from=13']) {
      const bounds = rangeOf(query);
      counter.reads = 0;
      expect(await answer(`/streams/s/changesets${query}`)).toEqual([
        200,
        'application/json',
        {
          stream_id: 's',
          changesets: ((await unbounded.changesets('s', bounds)) ?? []).map((c) => ({
            changeset_id: c.changesetId,
            events: c.events,
            metadata: c.metadata,
          })),
        },
      ]);
      if (query === '') expect(counter.reads).toBeGreaterThan(2);
    }
    for (const query of ['', '?from=4', '?from=5&to=20', '?to=7', '?from=24', '?from=25']) {
      const bounds = rangeOf(query);
      counter.reads = 0;
      expect(await answer(`/streams/s/events${query}`)).toEqual([
        200,
        'application/json',
        {
          stream_id: 's',
          events: ((await unbounded.events('s', bounds)) ?? []).map((e) => ({
            id: e.eventId,
            data: e.data,
          })),
        },
      ]);
      if (query === '') expect(counter.reads).toBeGreaterThan(2);
    }
    expect((await target.request('/streams/none/events')).status).toBe(404);
  });
});

describe('conflicts behind more than a page', () => {
  it('list every winner, the same bytes as in one page, read page after page', async () => {
    const paged = await appWithLargeStream({ maxPageBytes: 5000 });
    const whole = await appWithLargeStream();
    const counter = countReads(paged.store);
    const conflict = async (target: typeof paged, query: string) => {
      const response = await target.request(`/streams/s?${query}`, {
        method: 'POST',
        body: JSON.stringify({ events: [{ late: true }] }),
      });
      return [
        response.status,
        response.headers.get('content-type'),
        await response.text(),
      ] as const;
    };
    for (const query of [
      'expected_last_changeset=0',
      'expected_last_changeset=3',
      'expected_last_changeset=11',
      'expected_last_event=1',
      'expected_last_event=5',
    ]) {
      counter.reads = 0;
      const answer = await conflict(paged, query);
      expect(answer).toEqual(await conflict(whole, query));
      expect(answer[0]).toBe(409);
      // The store's conflict holds the first page; the route reads the others.
      if (query.endsWith('changeset=0')) expect(counter.reads).toBeGreaterThanOrEqual(2);
    }
    const [, , text] = await conflict(paged, 'expected_last_changeset=0');
    const body = JSON.parse(text) as { forthcoming_changesets: { changeset_id: number }[] };
    expect(body.forthcoming_changesets.map((c) => c.changeset_id)).toEqual(
      Array.from({ length: 12 }, (_, n) => n + 1),
    );
    expect((await paged.store.readChangesets('s', {}))?.length).toBe(12);
  });
});

describe('URL length', () => {
  it('refuses a request target over 8 KiB by default with a JSON 414 URI_TOO_LONG', async () => {
    const target = await appWith();
    // '/changesets?pad=' is 16 bytes.
    const at = `/changesets?pad=${'p'.repeat(8192 - 16)}`;
    expect((await target.request(at)).status).toBe(200);
    const response = await target.request(`${at}p`);
    expect(response.status).toBe(414);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: 'URI_TOO_LONG',
      message: 'The request URL exceeds the limit of 8192 bytes.',
    });
  });

  it('counts bytes as sent, percent-encoded, and checks commits before anything is written', async () => {
    const target = await appWith({ maxUrlBytes: 64 });
    // 12 euro signs: 12 characters, 108 bytes once percent-encoded.
    const response = await target.commit('€'.repeat(12), { events: [{}] });
    expect(response.status).toBe(414);
    await target.expectNothingWritten();
    expect((await target.request('/streams/€/changesets')).status).toBe(404);
  });
});

describe('over a real server', () => {
  let server: RunningServer;
  let store: EventStore;

  const start = async (flags: string[], slowClientTimeouts?: SlowClientTimeouts) => {
    store = createMemoryStore();
    server = await startServer({
      config: resolveConfig({}, ['--port', '0', ...flags]),
      store,
      version: '1',
      log: () => undefined,
      shutdownGraceMs: 1_000,
      ...(slowClientTimeouts === undefined ? {} : { slowClientTimeouts }),
    });
    return server.url;
  };
  afterEach(async () => {
    await server.close();
  });

  /** A raw GET, so that no client library judges the headers first. */
  const rawGet = (url: string, path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(`${url}${path}`, { headers }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
        });
      });
      request.on('error', reject);
      request.end();
    });

  /** Sends `bytes` as they are and collects everything until the server closes. */
  const rawExchange = (url: string, bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const { hostname, port } = new URL(url);
      const socket = connect(Number(port), hostname, () => socket.end(bytes, 'latin1'));
      let received = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('close', () => {
        resolve(received);
      });
      socket.on('error', reject);
    });

  it.each([
    ['headers', 'GET /version HTTP/1.1\r\nHost: localhost\r\nX-Slow: '],
    [
      'body',
      'POST /streams/s HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{"events":',
    ],
  ])('answers a client that trickles its %s with a JSON 408 and closes', async (_, bytes) => {
    const url = await start([], { headersMs: 300, requestMs: 600, checkEveryMs: 100 });
    const { hostname, port } = new URL(url);
    const started = performance.now();
    const received = await new Promise<string>((resolve, reject) => {
      // Sent, then nothing more: the rest never comes.
      const socket = connect(Number(port), hostname, () => socket.write(bytes, 'latin1'));
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('close', () => {
        resolve(text);
      });
      socket.on('error', reject);
    });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(received).toContain('"error":"REQUEST_TIMEOUT"');
    expect(await store.readChangesets('s', {})).toBeUndefined();
  });

  it('keeps a subscription open past those timeouts: they bound the request, not the answer', async () => {
    const url = await start([], { headersMs: 300, requestMs: 600, checkEveryMs: 100 });
    const response = await fetch(`${url}/changesets`, { headers: { accept: 'text/event-stream' } });
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await commitChangeset(store, {
      streamId: 'late',
      expectation: NEW_STREAM,
      events: [{ n: 1 }],
      metadata: {},
    });
    let text = '';
    while (!text.includes('event: changeset')) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    expect(text).toContain('"stream_id":"late"');
    await reader?.cancel();
  });

  it.each([
    ['an unknown method', 'FOO /version HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a space in the target', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n'],
    [
      'two Content-Lengths',
      'POST /streams/s HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}',
    ],
  ])('answers a request Node cannot parse (%s) with a JSON 400 and closes', async (_, bytes) => {
    const url = await start([]);
    const received = await rawExchange(url, bytes);
    const [head = '', body = ''] = received.split('\r\n\r\n');
    expect(head.split('\r\n')).toEqual([
      'HTTP/1.1 400 Bad Request',
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
    ]);
    expect(JSON.parse(body)).toEqual({
      error: 'BAD_REQUEST',
      // In parentheses, the code of Node's parser (llhttp), which may change between versions.
      message: expect.stringMatching(
        /^The request is not HTTP\/1\.1 this server can read \(HPE_[A-Z_]+\)\.$/,
      ) as string,
    });
    expect(await store.readChangesets('s', {})).toBeUndefined();
  });

  it('answers headers over 16 KiB with 431, and a long URL under it with the JSON 414', async () => {
    const url = await start([]);
    expect((await rawGet(url, '/version', { 'x-pad': 'h'.repeat(15_000) })).status).toBe(200);
    const tooLarge = await rawGet(url, '/version', { 'x-pad': 'h'.repeat(17_000) });
    expect(tooLarge.status).toBe(431);
    expect(JSON.parse(tooLarge.body)).toEqual({
      error: 'HEADERS_TOO_LARGE',
      message: 'The request line and headers exceed the limit of 16384 bytes.',
    });
    const long = await rawGet(url, `/version?pad=${'u'.repeat(10_000)}`);
    expect(long.status).toBe(414);
    expect(JSON.parse(long.body)).toEqual({
      error: 'URI_TOO_LONG',
      message: 'The request URL exceeds the limit of 8192 bytes.',
    });
  });

  /** A raw commit whose body is sent in the given chunks, with or without Content-Length. */
  const rawCommit = (url: string, path: string, chunks: string[], announce: boolean) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const length = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
      const headers = {
        'content-type': 'application/json',
        ...(announce ? { 'content-length': String(length) } : {}),
      };
      const request = httpRequest(`${url}${path}`, { method: 'POST', headers }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
        });
      });
      // The server may answer and close before the whole body is sent.
      request.on('error', (error) => {
        if ((error as NodeJS.ErrnoException).code !== 'EPIPE') reject(error);
      });
      for (const chunk of chunks) request.write(chunk);
      request.end();
    });

  it('caps the raw body announced by Content-Length and the one sent in chunks alike', async () => {
    // Raw bodies may be 4 × --max-changeset-bytes (formatting); 100 × 4 = 400 bytes here.
    const url = await start(['--max-changeset-bytes', '100']);
    const padded = (bytes: number) => {
      const body = JSON.stringify({ events: [{}], metadata: {} });
      return body + ' '.repeat(bytes - body.length);
    };
    const tooLarge = {
      error: 'CHANGESET_TOO_LARGE',
      stream_id: 'big',
    };
    for (const announce of [true, false]) {
      const fits = await rawCommit(
        url,
        `/streams/fits-${String(announce)}`,
        [padded(200), ' '.repeat(200)],
        announce,
      );
      expect({ announce, status: fits.status }).toEqual({ announce, status: 200 });
      const over = await rawCommit(url, '/streams/big', [padded(200), ' '.repeat(201)], announce);
      expect({ announce, status: over.status }).toEqual({ announce, status: 413 });
      expect(JSON.parse(over.body)).toMatchObject(tooLarge);
    }
    expect(await store.readChangesets('big', {})).toBeUndefined();
    expect(await store.readChangesets('fits-true', {})).toHaveLength(1);
    expect(await store.readChangesets('fits-false', {})).toHaveLength(1);
  });

  /**
   * One raw connection: `send` writes, `answers` waits for the n-th complete response (bodies
   * are small JSON with Content-Length), `closed` resolves when the server closes it.
   */
  const rawConnection = (url: string) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let text = '';
    let onData: () => void = () => undefined;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      onData();
    });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => {
      socket.once('close', () => {
        resolve();
      });
    });
    const statuses = () => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    return {
      send: (bytes: string) => socket.write(bytes),
      answers: (count: number) =>
        new Promise<number[]>((resolve) => {
          onData = () => {
            if (statuses().length >= count && text.endsWith('}')) resolve(statuses());
          };
          onData();
        }),
      closed,
      isClosed: () => socket.destroyed || socket.readyState === 'closed',
      end: () => socket.destroy(),
    };
  };
  const commitHead = (stream: string, length: number) =>
    `POST /streams/${stream} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
  const version = 'GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

  it('reads the rest of a body it answered 413 early, so the answer arrives and the connection serves on', async () => {
    const url = await start(['--max-changeset-bytes', '100']);
    const connection = rawConnection(url);
    const length = 1_000_000;
    // The first 64 KiB, well past the 400-byte cap: the 413 comes before the rest is sent.
    connection.send(commitHead('big', length) + ' '.repeat(65_536));
    expect(await connection.answers(1)).toEqual([413]);
    // A client that sends the whole body before it reads (Node's fetch) writes on, unharmed,
    // and the same connection carries the next request.
    connection.send(' '.repeat(length - 65_536));
    connection.send(version);
    expect(await connection.answers(2)).toEqual([413, 200]);
    expect(connection.isClosed()).toBe(false);
    connection.end();
    expect(await store.readChangesets('big', {})).toBeUndefined();
  });

  it('answers 413, not a reset, to fetch sending a body 50 times the raw cap', async () => {
    const url = await start([]);
    const body = JSON.stringify({ events: [{ pad: 'x'.repeat(20_000_000) }] });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${url}/streams/huge`, { method: 'POST', body });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ error: 'CHANGESET_TOO_LARGE' });
    }
  });

  it('closes the connection instead when the rest of the body keeps coming', async () => {
    // @hono/node-server reads an unread body for up to 500 ms (and 64 MiB), then closes.
    const url = await start(['--max-changeset-bytes', '100']);
    const slow = rawConnection(url);
    const started = performance.now();
    slow.send(commitHead('c', 100_000) + ' '.repeat(1000));
    expect(await slow.answers(1)).toEqual([413]);
    await slow.closed;
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(await store.readGlobal(0, 10)).toEqual([]);
  });

  it('applies --max-header-bytes and --max-url-bytes', async () => {
    const url = await start(['--max-header-bytes', '4096', '--max-url-bytes', '1024']);
    expect((await rawGet(url, '/version', { 'x-pad': 'h'.repeat(3000) })).status).toBe(200);
    expect((await rawGet(url, '/version', { 'x-pad': 'h'.repeat(5000) })).status).toBe(431);
    expect((await rawGet(url, `/version?pad=${'u'.repeat(1100)}`)).status).toBe(414);
    // A URL longer than the header limit never reaches the app: Node answers 431.
    expect((await rawGet(url, `/version?pad=${'u'.repeat(5000)}`)).status).toBe(431);
  });

  it('applies the stream id and event limits of the settings', async () => {
    const url = await start(['--max-stream-id-bytes', '8', '--max-events-per-changeset', '2']);
    const post = (id: string, count: number) =>
      fetch(`${url}/streams/${id}`, {
        method: 'POST',
        body: JSON.stringify({ events: events(count) }),
      });
    expect((await post('123456789', 1)).status).toBe(400);
    expect((await post('12345678', 3)).status).toBe(413);
    expect(await store.readGlobal(0, 10)).toEqual([]);
    expect((await post('12345678', 2)).status).toBe(200);
  });

  it('closes connections past --max-connections on arrival, serves the open ones, and says so once', async () => {
    const logged: string[] = [];
    store = createMemoryStore();
    server = await startServer({
      config: resolveConfig({}, [
        '--port',
        '0',
        '--max-connections',
        '3',
        '--max-subscribers',
        '1',
      ]),
      store,
      version: '1',
      log: (line) => logged.push(line),
      shutdownGraceMs: 1_000,
    });
    const { hostname, port } = new URL(server.url);
    const open = (): Promise<{ socket: ReturnType<typeof connect>; closed: Promise<string> }> =>
      new Promise((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => {
          const closed = new Promise<string>((done) => {
            let text = '';
            socket.setEncoding('latin1');
            socket.on('data', (chunk: string) => (text += chunk));
            socket.on('close', () => {
              done(text);
            });
          });
          resolve({ socket, closed });
        });
        socket.on('error', reject);
      });
    const held = [await open(), await open(), await open()];
    // Two more: the server closes each unread, before it could say anything.
    for (const extra of [await open(), await open()]) {
      extra.socket.write('GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      expect(await extra.closed).toBe('');
    }
    // The connections it kept are served.
    const [first] = held;
    first?.socket.write('GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(await first?.closed).toMatch(/^HTTP\/1\.1 200 OK/);
    // One gone, a new connection is taken again (the server counts it closed shortly after).
    const served = await (async () => {
      for (let attempt = 1; ; attempt++) {
        const response = await fetch(`${server.url}/version`).catch(() => undefined);
        if (response !== undefined || attempt === 100) return response;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    expect(served?.status).toBe(200);
    for (const { socket } of held) socket.destroy();
    expect(logged).toEqual([
      'connection limit reached (--max-connections 3): closing new connections',
    ]);
  });

  describe('concurrent subscribers', () => {
    const subscribe = (url: string, path = '/changesets') =>
      fetch(`${url}${path}`, { headers: SSE });

    it('refuses one over --max-subscribers with 503 TOO_MANY_SUBSCRIBERS and Retry-After, and frees a slot when one leaves', async () => {
      const url = await start(['--max-subscribers', '2']);
      const open = [await subscribe(url), await subscribe(url, '/streams/s/events')];
      const frames = open.map((response) => {
        expect(response.status).toBe(200);
        return sseFrames(response);
      });
      for (const stream of frames) expect((await stream.next()).comments).toEqual(['connected']);

      const refused = await subscribe(url, '/events');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toEqual({
        error: 'TOO_MANY_SUBSCRIBERS',
        message: 'The server already serves its limit of 2 subscriptions. Retry later.',
      });
      // Plain reads are no subscriptions: they still pass.
      expect((await fetch(`${url}/changesets`)).status).toBe(200);

      frames[0]?.cancel();
      // The server notices the disconnection shortly after: retry until the slot is free.
      const again = await (async () => {
        for (let attempt = 1; ; attempt++) {
          const response = await subscribe(url);
          if (response.status === 200 || attempt === 100) return response;
          await response.body?.cancel();
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      expect(again.status).toBe(200);
      const replacement = sseFrames(again);
      expect((await replacement.next()).comments).toEqual(['connected']);
      replacement.cancel();
      frames[1]?.cancel();
    });

    it('frees the slot of a subscription refused before it started', async () => {
      const url = await start(['--max-subscribers', '1']);
      const invalid = await fetch(`${url}/changesets`, {
        headers: { ...SSE, 'last-event-id': 'not-a-checkpoint' },
      });
      expect(invalid.status).toBe(400);
      await invalid.body?.cancel();
      const response = await subscribe(url);
      expect(response.status).toBe(200);
      const stream = sseFrames(response);
      expect((await stream.next()).comments).toEqual(['connected']);
      stream.cancel();
    });
  });
});

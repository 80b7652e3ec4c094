import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStoreClient, ReconnectInfo } from '../../src/client/index.js';
import { EesClientError, createClient } from '../../src/client/index.js';
import type { EventStore } from '../../src/core/index.js';
import { errors } from '../../src/core/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { waitFor } from '../runtime/wait-for.js';
import { TcpProxy } from '../stores/tcp-proxy.js';
import { droppingFetch, scriptedFetch } from './fetch-doubles.js';
import type { TestServer } from './server.js';
import { commitRaw, startTestServer, take } from './server.js';

let server: TestServer;
let client: EventStoreClient;
let controller: AbortController;
const cleanups: (() => Promise<void> | void)[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = await startTestServer();
  client = createClient({ url: server.url });
  controller = new AbortController();
});
afterEach(async () => {
  // Servers first: closing them ends the subscriptions of a test that failed half-way.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await server.close();
  controller.abort();
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled.splice(0)).toEqual([]);
  expect(server.logged).toEqual([]);
});

const positions = (messages: readonly { position: string }[]) => messages.map((m) => m.position);

describe('subscribe (global changesets)', () => {
  it('catches up, then delivers commits made after it started', async () => {
    await commitRaw(server.url, 'a', [{ n: 1 }, { n: 2 }], 0, { user: 'ada' });
    await commitRaw(server.url, 'b', [{ n: 3 }]);
    const subscription = client.subscribe({ signal: controller.signal });
    expect(await take(subscription, 2)).toEqual([
      {
        position: '0',
        streamId: 'a',
        changesetId: 1,
        events: [{ n: 1 }, { n: 2 }],
        metadata: { user: 'ada' },
        checkpoint: 0,
      },
      {
        position: '1',
        streamId: 'b',
        changesetId: 1,
        events: [{ n: 3 }],
        metadata: {},
        checkpoint: 1,
      },
    ]);
    const live = subscription.next();
    await commitRaw(server.url, 'a', [{ n: 4 }], 1);
    expect((await live).value).toEqual({
      position: '2',
      streamId: 'a',
      changesetId: 2,
      events: [{ n: 4 }],
      metadata: {},
      checkpoint: 2,
    });
  });

  it('starts at a checkpoint, or right after a position (which wins)', async () => {
    for (const stream of ['a', 'b', 'c', 'd']) await commitRaw(server.url, stream, [{ stream }]);
    const fromTwo = await take(client.subscribe({ checkpoint: 2, signal: controller.signal }), 2);
    expect(positions(fromTwo)).toEqual(['2', '3']);
    const afterZero = await take(
      client.subscribe({ checkpoint: 3, after: '0', signal: controller.signal }),
      3,
    );
    expect(afterZero.map((m) => m.streamId)).toEqual(['b', 'c', 'd']);
  });

  it('URL-encodes nothing it should not: stream ids come back decoded', async () => {
    await commitRaw(server.url, 'a/b é?', [{ n: 1 }]);
    const [message] = await take(client.subscribe({ signal: controller.signal }), 1);
    expect(message?.streamId).toBe('a/b é?');
  });
});

describe('subscribeEvents (global events)', () => {
  it('sends one message per event with <checkpoint>.<index> positions, then live', async () => {
    await commitRaw(server.url, 'a', [{ n: 1 }, { n: 2 }]);
    await commitRaw(server.url, 'b', [{ n: 3 }]);
    const subscription = client.subscribeEvents({ signal: controller.signal });
    expect(await take(subscription, 3)).toEqual([
      { position: '0.0', streamId: 'a', changesetId: 1, eventId: 1, data: { n: 1 }, checkpoint: 0 },
      { position: '0.1', streamId: 'a', changesetId: 1, eventId: 2, data: { n: 2 }, checkpoint: 0 },
      { position: '1.0', streamId: 'b', changesetId: 1, eventId: 1, data: { n: 3 }, checkpoint: 1 },
    ]);
    const live = take(subscription, 2);
    await commitRaw(server.url, 'a', [{ n: 4 }, { n: 5 }], 1);
    expect((await live).map((m) => [m.position, m.eventId])).toEqual([
      ['2.0', 3],
      ['2.1', 4],
    ]);
  });

  it('resumes in the middle of a changeset after a position', async () => {
    await commitRaw(server.url, 'a', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await commitRaw(server.url, 'b', [{ n: 4 }]);
    const resumed = await take(
      client.subscribeEvents({ after: '0.1', signal: controller.signal }),
      2,
    );
    expect(resumed.map((m) => [m.position, m.data])).toEqual([
      ['0.2', { n: 3 }],
      ['1.0', { n: 4 }],
    ]);
  });
});

describe('reconnection', () => {
  it('resumes with Last-Event-ID after a dropped connection: no duplicates, no gaps', async () => {
    for (let n = 0; n < 5; n++) await commitRaw(server.url, `s${n}`, [{ n }]);
    const dropping = droppingFetch([2, 1]);
    const reconnects: ReconnectInfo[] = [];
    const resuming = createClient({ url: server.url, fetch: dropping.fetch });
    const subscription = resuming.subscribe({
      signal: controller.signal,
      onReconnect: (info) => reconnects.push(info),
    });
    const caughtUp = await take(subscription, 5);
    expect(positions(caughtUp)).toEqual(['0', '1', '2', '3', '4']);
    const live = subscription.next();
    await commitRaw(server.url, 'later', [{ n: 5 }]);
    expect((await live).value?.position).toBe('5');

    expect(dropping.requests.map((r) => r.headers.get('last-event-id'))).toEqual([null, '1', '2']);
    expect(dropping.requests.every((r) => r.headers.get('accept') === 'text/event-stream')).toBe(
      true,
    );
    expect(reconnects.map((r) => [r.attempt, r.lastPosition])).toEqual([
      [1, '1'],
      [1, '2'],
    ]);
  });

  it('resumes the events channel in the middle of a changeset after a drop', async () => {
    await commitRaw(server.url, 'a', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await commitRaw(server.url, 'b', [{ n: 4 }, { n: 5 }]);
    const dropping = droppingFetch([2, 2]);
    const resuming = createClient({ url: server.url, fetch: dropping.fetch });
    const messages = await take(resuming.subscribeEvents({ signal: controller.signal }), 5);
    expect(messages.map((m) => [m.position, m.data])).toEqual([
      ['0.0', { n: 1 }],
      ['0.1', { n: 2 }],
      ['0.2', { n: 3 }],
      ['1.0', { n: 4 }],
      ['1.1', { n: 5 }],
    ]);
    expect(dropping.requests.map((r) => r.headers.get('last-event-id'))).toEqual([
      null,
      '0.1',
      '1.0',
    ]);
  });

  it('resumes after every connection was cut and commits were made meanwhile', async () => {
    const proxy = await TcpProxy.start('127.0.0.1', Number(new URL(server.url).port));
    cleanups.push(() => proxy.close());
    const viaProxy = createClient({ url: `http://127.0.0.1:${proxy.port}` });
    const reconnects: ReconnectInfo[] = [];
    await commitRaw(server.url, 'a', [{ n: 1 }]);
    const subscription = viaProxy.subscribe({
      signal: controller.signal,
      onReconnect: (info) => reconnects.push(info),
    });
    expect(positions(await take(subscription, 1))).toEqual(['0']);
    const pending = take(subscription, 3);
    await proxy.refuse();
    await commitRaw(server.url, 'a', [{ n: 2 }], 1);
    await commitRaw(server.url, 'b', [{ n: 3 }]);
    await proxy.restore();
    await commitRaw(server.url, 'a', [{ n: 4 }], 2);
    expect(positions(await pending)).toEqual(['1', '2', '3']);
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
    expect(reconnects.every((r) => r.lastPosition === '0')).toBe(true);
  });

  it('resumes after the server restarts on the same SQLite file and port', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ees-client-'));
    cleanups.push(() => {
      rmSync(directory, { recursive: true, force: true });
    });
    const database = `sqlite:${join(directory, 'ees.db')}`;
    const first = await startTestServer(database);
    const port = new URL(first.url).port;
    cleanups.push(() => first.close());
    const restarting = createClient({ url: first.url });
    await commitRaw(first.url, 'a', [{ n: 1 }]);
    await commitRaw(first.url, 'a', [{ n: 2 }], 1);
    const subscription = restarting.subscribeEvents({ signal: controller.signal });
    expect(positions(await take(subscription, 2))).toEqual(['0.0', '1.0']);
    const pending = take(subscription, 2);
    await first.close();
    const second = await startTestServer(database, ['--port', port]);
    cleanups.push(() => second.close());
    const restarted = second.url;
    // The test's own fetch may first try a pooled connection to the old server.
    await waitFor(async () => (await fetch(`${restarted}/version`)).ok);
    await commitRaw(restarted, 'b', [{ n: 3 }, { n: 4 }]);
    expect((await pending).map((m) => [m.position, m.streamId, m.eventId])).toEqual([
      ['2.0', 'b', 1],
      ['2.1', 'b', 2],
    ]);
  });

  it('reconnects after an error event and resumes where it was', async () => {
    const memory = createMemoryStore();
    let failures = 1;
    const flaky: EventStore = {
      ...memory,
      readGlobal: (checkpoint, limit) => {
        // Only the subscription's read of checkpoint 2 fails, once.
        if (checkpoint === 2 && limit === 100 && failures-- > 0) {
          return Promise.reject(errors.storeUnavailable(new Error('connection lost')));
        }
        return memory.readGlobal(checkpoint, limit);
      },
    };
    const flakyServer = await startTestServer(flaky);
    cleanups.push(() => flakyServer.close());
    const reconnects: ReconnectInfo[] = [];
    const subscription = createClient({ url: flakyServer.url }).subscribe({
      signal: controller.signal,
      onReconnect: (info) => reconnects.push(info),
    });
    await commitRaw(flakyServer.url, 'a', [{ n: 1 }]);
    await commitRaw(flakyServer.url, 'b', [{ n: 2 }]);
    expect(positions(await take(subscription, 2))).toEqual(['0', '1']);
    const pending = take(subscription, 2);
    await commitRaw(flakyServer.url, 'c', [{ n: 3 }]);
    await commitRaw(flakyServer.url, 'd', [{ n: 4 }]);
    expect((await pending).map((m) => [m.position, m.streamId])).toEqual([
      ['2', 'c'],
      ['3', 'd'],
    ]);
    expect(reconnects).toHaveLength(1);
    const [reconnect] = reconnects;
    expect(reconnect?.lastPosition).toBe('1');
    expect(reconnect?.error).toBeInstanceOf(EesClientError);
    expect((reconnect?.error as EesClientError).code).toBe('STORE_UNAVAILABLE');
  });

  it('waits the server’s retry value, doubling it on repeated failures up to a cap', async () => {
    const { fetch } = scriptedFetch([
      'retry: 10\n: connected\n\n',
      ': connected\n\n',
      () => Response.json({ error: 'STORE_UNAVAILABLE', message: 'later' }, { status: 503 }),
      ': connected\n\n',
      ': connected\n\nevent: changeset\nid: 0\ndata: {"stream_id":"a","changeset_id":1,"events":[],"metadata":{},"checkpoint":0}\n\n',
      ': connected\n\n',
    ]);
    const reconnects: ReconnectInfo[] = [];
    const subscription = createClient({ url: 'http://ees.test', fetch }).subscribe({
      signal: controller.signal,
      maxRetryDelayMs: 30,
      onReconnect: (info) => {
        reconnects.push(info);
        if (reconnects.length === 6) controller.abort();
      },
    });
    const received = [];
    for await (const message of subscription) received.push(message.position);
    expect(received).toEqual(['0']);
    expect(reconnects.map((r) => [r.attempt, r.delayMs])).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 30],
      // The connection that delivered a message was healthy: back to the server's value.
      [1, 10],
      [2, 20],
    ]);
    const error = reconnects[2]?.error as EesClientError;
    expect([error.status, error.code]).toEqual([503, 'STORE_UNAVAILABLE']);
    expect(String(reconnects[0]?.error)).toContain('the server ended the event stream');
  });

  it('waits at least what a refusal’s Retry-After asks, in seconds or as a date', async () => {
    const arrivals: { at: number; lastEventId: string | undefined }[] = [];
    const message = (id: number) =>
      `event: changeset\nid: ${id}\ndata: {"stream_id":"a","changeset_id":${id + 1},"events":[],"metadata":{},"checkpoint":${id}}\n\n`;
    const refuse = (response: ServerResponse, retryAfter: string) => {
      response.writeHead(503, { 'content-type': 'application/json', 'retry-after': retryAfter });
      response.end('{"error":"TOO_MANY_SUBSCRIBERS","message":"busy"}');
    };
    const script: ((response: ServerResponse) => void)[] = [
      // A healthy connection advising a short retry, then ended by the server.
      (response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(`retry: 50\n\n${message(0)}`);
      },
      (response) => {
        refuse(response, '1');
      },
      (response) => {
        refuse(response, new Date(Date.now() + 2_500).toUTCString());
      },
      (response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(message(1));
      },
    ];
    const busy = createServer((request, response) => {
      const lastEventId = request.headers['last-event-id'];
      arrivals.push({ at: Date.now(), lastEventId: lastEventId as string | undefined });
      const step = script[arrivals.length - 1];
      if (step === undefined) refuse(response, '60');
      else step(response);
    });
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      busy.closeAllConnections();
      await new Promise((resolve) => busy.close(resolve));
    });
    const reconnects: ReconnectInfo[] = [];
    const subscription = createClient({
      url: `http://127.0.0.1:${(busy.address() as AddressInfo).port}`,
    }).subscribe({ signal: controller.signal, onReconnect: (info) => reconnects.push(info) });
    const received: string[] = [];
    for await (const changeset of subscription) {
      received.push(changeset.position);
      if (received.length === 2) break;
    }
    expect(received).toEqual(['0', '1']);
    expect(reconnects.map((info) => info.delayMs).slice(0, 2)).toEqual([50, 1_000]);
    // The date has whole seconds: 1.5 to 2.5 s ahead when it was sent.
    expect(reconnects[2]?.delayMs).toBeGreaterThanOrEqual(1_000);
    expect((reconnects[1]?.error as EesClientError).code).toBe('TOO_MANY_SUBSCRIBERS');
    const gaps = arrivals.slice(1).map((arrival, index) => arrival.at - (arrivals[index]?.at ?? 0));
    expect(gaps[1]).toBeGreaterThanOrEqual(990);
    expect(gaps[2]).toBeGreaterThanOrEqual(990);
    expect(arrivals.map((arrival) => arrival.lastEventId)).toEqual([undefined, '0', '0', '0']);
  });

  it('waits the real server’s Retry-After for a subscriber slot, capped by maxRetryDelayMs', async () => {
    const full = await startTestServer('memory:', ['--max-subscribers', '1']);
    cleanups.push(() => full.close());
    const holder = createClient({ url: full.url }).subscribe({ signal: controller.signal });
    // The first subscriber holds the only slot once its connection is open.
    const holding = holder.next();
    void holding.catch(() => undefined);
    await commitRaw(full.url, 'a', [{ n: 1 }]);
    await holding;
    const delays = async (maxRetryDelayMs?: number): Promise<ReconnectInfo> => {
      const turnedAway = new AbortController();
      let first: ReconnectInfo | undefined;
      const subscription = createClient({ url: full.url }).subscribe({
        signal: turnedAway.signal,
        ...(maxRetryDelayMs === undefined ? {} : { maxRetryDelayMs }),
        onReconnect: (info) => {
          first = info;
          turnedAway.abort();
        },
      });
      for await (const changeset of subscription) throw new Error(`got ${changeset.position}`);
      if (first === undefined) throw new Error('no reconnection');
      return first;
    };
    const refused = await delays();
    expect((refused.error as EesClientError).code).toBe('TOO_MANY_SUBSCRIBERS');
    expect(refused.delayMs).toBe(5_000);
    expect((await delays(300)).delayMs).toBe(300);
    await holder.return();
  });

  it('never yields a position again, even if a server sends it again', async () => {
    const message = (id: string, n: number) =>
      `event: changeset\nid: ${id}\ndata: {"stream_id":"a","changeset_id":${n},"events":[],"metadata":{},"checkpoint":${id}}\n\n`;
    const { fetch, requests } = scriptedFetch([
      `retry: 1\n\n${message('8', 1)}${message('9', 2)}`,
      `${message('9', 2)}${message('10', 3)}`,
    ]);
    const subscription = createClient({ url: 'http://ees.test', fetch }).subscribe({
      signal: controller.signal,
    });
    expect(positions(await take(subscription, 3))).toEqual(['8', '9', '10']);
    expect(requests.map((r) => r.headers.get('last-event-id'))).toEqual([null, '9']);
  });
});

describe('subscribeStream and subscribeStreamEvents', () => {
  it('delivers one stream’s changesets from a changeset id, then live', async () => {
    await commitRaw(server.url, 'a', [{ n: 1 }]);
    await commitRaw(server.url, 'b', [{ n: 2 }]);
    await commitRaw(server.url, 'a', [{ n: 3 }], 1);
    await commitRaw(server.url, 'a', [{ n: 4 }], 2);
    const subscription = client.subscribeStream('a', { from: 2, signal: controller.signal });
    expect(await take(subscription, 2)).toEqual([
      {
        position: '2',
        streamId: 'a',
        changesetId: 2,
        events: [{ n: 3 }],
        metadata: {},
        checkpoint: 2,
      },
      {
        position: '3',
        streamId: 'a',
        changesetId: 3,
        events: [{ n: 4 }],
        metadata: {},
        checkpoint: 3,
      },
    ]);
    const live = subscription.next();
    await commitRaw(server.url, 'b', [{ n: 5 }], 1);
    await commitRaw(server.url, 'a', [{ n: 6 }], 3);
    expect((await live).value).toMatchObject({ position: '4', changesetId: 4, checkpoint: 5 });
  });

  it('waits for a stream that does not exist yet, with any id', async () => {
    const id = 'new/stream é';
    const subscription = client.subscribeStream(id, { signal: controller.signal });
    const first = subscription.next();
    await commitRaw(server.url, 'other', [{ n: 0 }]);
    await commitRaw(server.url, id, [{ n: 1 }]);
    expect((await first).value).toMatchObject({ position: '1', streamId: id, changesetId: 1 });
  });

  it('delivers one stream’s events from an event id inside a changeset, then live', async () => {
    await commitRaw(server.url, 'a', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await commitRaw(server.url, 'b', [{ n: 0 }]);
    await commitRaw(server.url, 'a', [{ n: 4 }], 1);
    const subscription = client.subscribeStreamEvents('a', { from: 2, signal: controller.signal });
    expect(await take(subscription, 3)).toEqual([
      { position: '1.1', streamId: 'a', changesetId: 1, eventId: 2, data: { n: 2 }, checkpoint: 0 },
      { position: '1.2', streamId: 'a', changesetId: 1, eventId: 3, data: { n: 3 }, checkpoint: 0 },
      { position: '2.0', streamId: 'a', changesetId: 2, eventId: 4, data: { n: 4 }, checkpoint: 2 },
    ]);
    const live = subscription.next();
    await commitRaw(server.url, 'a', [{ n: 5 }, { n: 6 }], 2);
    expect((await live).value).toMatchObject({ position: '3.0', eventId: 5 });
  });

  it('resumes a stream’s events in the middle of a changeset, after a drop', async () => {
    await commitRaw(server.url, 'a', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await commitRaw(server.url, 'a', [{ n: 4 }], 1);
    const dropping = droppingFetch([2]);
    const resuming = createClient({ url: server.url, fetch: dropping.fetch });
    const messages = await take(
      resuming.subscribeStreamEvents('a', { from: 1, signal: controller.signal }),
      4,
    );
    expect(messages.map((m) => [m.position, m.eventId])).toEqual([
      ['1.0', 1],
      ['1.1', 2],
      ['1.2', 3],
      ['2.0', 4],
    ]);
    expect(dropping.requests.map((r) => r.headers.get('last-event-id'))).toEqual([null, '1.1']);
    expect(new URL(dropping.requests[1]?.url ?? '').search).toBe('?from=1');
  });

  it('resumes a stream’s changesets after a drop', async () => {
    for (let n = 0; n < 3; n++) await commitRaw(server.url, 'a', [{ n }], n);
    const dropping = droppingFetch([1]);
    const resuming = createClient({ url: server.url, fetch: dropping.fetch });
    const messages = await take(resuming.subscribeStream('a', { signal: controller.signal }), 3);
    expect(positions(messages)).toEqual(['1', '2', '3']);
    expect(dropping.requests.map((r) => r.headers.get('last-event-id'))).toEqual([null, '1']);
  });
});

describe('stopping', () => {
  it('ends the iteration when the signal aborts while waiting for live messages', async () => {
    const recording = droppingFetch([]);
    const subscription = createClient({ url: server.url, fetch: recording.fetch }).subscribe({
      signal: controller.signal,
    });
    await commitRaw(server.url, 'a', [{ n: 1 }]);
    await take(subscription, 1);
    const waiting = subscription.next();
    controller.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(await subscription.next()).toEqual({ done: true, value: undefined });
    expect(recording.requests).toHaveLength(1);
    expect(recording.requests[0]?.signal?.aborted).toBe(true);
  });

  it('ends a for-await loop cleanly on abort', async () => {
    await commitRaw(server.url, 'a', [{ n: 1 }]);
    await commitRaw(server.url, 'b', [{ n: 2 }]);
    const seen: string[] = [];
    for await (const message of client.subscribe({ signal: controller.signal })) {
      seen.push(message.position);
      if (seen.length === 1) controller.abort();
    }
    expect(seen).toEqual(['0']);
  });

  it('closes the connection when the loop breaks', async () => {
    const recording = droppingFetch([]);
    await commitRaw(server.url, 'a', [{ n: 1 }]);
    for await (const message of createClient({
      url: server.url,
      fetch: recording.fetch,
    }).subscribeEvents()) {
      expect(message.position).toBe('0.0');
      break;
    }
    expect(recording.requests).toHaveLength(1);
    expect(recording.requests[0]?.signal?.aborted).toBe(true);
  });

  it('sends no request when the signal is already aborted, or before iteration starts', async () => {
    const recording = droppingFetch([]);
    const lazy = createClient({ url: server.url, fetch: recording.fetch });
    const notStarted = lazy.subscribeStream('a', { signal: controller.signal });
    controller.abort();
    expect(recording.requests).toHaveLength(0);
    expect(await notStarted.next()).toEqual({ done: true, value: undefined });
    expect(recording.requests).toHaveLength(0);
  });

  it('gives up on a server it cannot reach after maxReconnectAttempts, with the last failure', async () => {
    // A port nothing listens on any more.
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const { port } = gone.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      gone.close(() => {
        resolve();
      });
    });
    const reconnects: ReconnectInfo[] = [];
    const unreachable = createClient({ url: `http://127.0.0.1:${port}` });
    const subscription = unreachable.subscribe({
      signal: controller.signal,
      maxRetryDelayMs: 5,
      maxReconnectAttempts: 2,
      onReconnect: (info) => reconnects.push(info),
    });
    const failure = await subscription.next().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(String((failure as TypeError).cause)).toContain('ECONNREFUSED');
    expect(reconnects.map((r) => r.attempt)).toEqual([1, 2]);
    expect(String(reconnects[1]?.error)).toContain('fetch failed');
    // 0: the first failure ends it.
    const once = unreachable.subscribeEvents({
      maxReconnectAttempts: 0,
      signal: controller.signal,
    });
    await expect(once.next()).rejects.toBeInstanceOf(TypeError);
  });

  it('counts only failures in a row: a healthy connection starts the count again', async () => {
    const refused = () =>
      Response.json({ error: 'STORE_UNAVAILABLE', message: 'later' }, { status: 503 });
    const { fetch, requests } = scriptedFetch([
      refused,
      refused,
      'retry: 1\n: connected\n\nevent: changeset\nid: 0\ndata: {"stream_id":"a","changeset_id":1,"events":[],"metadata":{},"checkpoint":0}\n\n',
      refused,
      refused,
      refused,
    ]);
    const subscription = createClient({ url: 'http://ees.test', fetch }).subscribe({
      signal: controller.signal,
      maxRetryDelayMs: 5,
      maxReconnectAttempts: 2,
    });
    const received: string[] = [];
    const failure = await (async () => {
      for await (const message of subscription) received.push(message.position);
    })().catch((error: unknown) => error);
    expect(received).toEqual(['0']);
    expect(failure).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
    // Two refusals, the healthy connection (whose end is the first failure of the new count),
    // two refusals: without the new count, the end of the healthy one would have been the third.
    expect(requests).toHaveLength(5);
  });

  it.each([-1, Number.NaN])('refuses maxReconnectAttempts %s', async (bad) => {
    const subscription = client.subscribe({ maxReconnectAttempts: bad, signal: controller.signal });
    await expect(subscription.next()).rejects.toThrow(/maxReconnectAttempts must be 0 or more/);
  });

  it('throws the EesClientError of a 4xx answer instead of retrying', async () => {
    const recording = droppingFetch([]);
    const strict = createClient({ url: server.url, fetch: recording.fetch });
    const checkpoint = strict.subscribe({ checkpoint: -1, signal: controller.signal }).next();
    await expect(checkpoint).rejects.toBeInstanceOf(EesClientError);
    await expect(checkpoint).rejects.toMatchObject({ status: 400, code: 'INVALID_CHECKPOINT' });
    const after = strict.subscribeEvents({ after: '3', signal: controller.signal }).next();
    await expect(after).rejects.toMatchObject({ status: 400, code: 'INVALID_LAST_EVENT_ID' });
    const noStream = strict.subscribeStream('', { signal: controller.signal }).next();
    await expect(noStream).rejects.toMatchObject({ status: 400, code: 'MISSING_STREAM_ID' });
    expect(recording.requests).toHaveLength(3);
  });
});

import type { AddressInfo } from 'node:net';
import process from 'node:process';
import { serve } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, Expectation, JsonObject } from '../../src/core/index.js';
import { NEW_STREAM, commitChangeset, readGlobalText } from '../../src/core/index.js';
import { createApp } from '../../src/http/index.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import type { SseFrame } from './sse-reader.js';
import { sseFrames } from './sse-reader.js';
import { watchEventLoop } from '../setup/event-loop.js';

const SSE = { accept: 'text/event-stream' };

describe('push over Server-Sent Events', () => {
  let store: EventStore;
  let base: string;
  let readPages: number;
  /** Changesets those pages held. */
  let readChangesets: number;
  let closeServer: () => Promise<void>;
  const open: { cancel(): void }[] = [];

  beforeEach(async () => {
    const sqlite = openSqliteStore({ filename: ':memory:' });
    readPages = 0;
    readChangesets = 0;
    store = {
      ...sqlite,
      readGlobal: (checkpoint, limit, maxBytes) => {
        readPages++;
        return sqlite.readGlobal(checkpoint, limit, maxBytes);
      },
      readGlobalText: async (checkpoint, limit, maxBytes) => {
        readPages++;
        const page = await readGlobalText(sqlite, checkpoint, limit, maxBytes);
        readChangesets += page.length;
        return page;
      },
    };
    const shutdown = new AbortController();
    const app = createApp({
      store,
      version: '0.1.0',
      shutdown: shutdown.signal,
      push: { heartbeatMs: 100, pollIntervalMs: 60_000, pageSize: 100 },
      limits: { maxPageBytes: 1_000_000 },
    });
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeServer = async () => {
      shutdown.abort();
      // As the runtime's drain does: close each connection once its response is out.
      const sweep = setInterval(() => {
        (server as import('node:http').Server).closeIdleConnections();
      }, 20);
      await new Promise((resolve) => server.close(resolve));
      clearInterval(sweep);
    };
  });

  afterEach(async () => {
    for (const stream of open.splice(0)) stream.cancel();
    await closeServer();
    await store.close();
  });

  const commit = (streamId: string, events: JsonObject[], expectation: Expectation = NEW_STREAM) =>
    commitChangeset(store, { streamId, expectation, events, metadata: { by: 'test' } });

  const subscribe = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, { headers: { ...SSE, ...headers } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const frames = sseFrames(response);
    open.push(frames);
    // The first frame announces the connection and how soon to reconnect.
    expect(await frames.next()).toEqual({ retry: '1000', comments: ['connected'] });
    return {
      /** The next `count` messages, skipping heartbeats. */
      take: async (count: number) => {
        const messages: SseFrame[] = [];
        while (messages.length < count) {
          const frame = await frames.next();
          if (frame.data !== undefined) messages.push(frame);
        }
        return messages.map(({ id, event, data }) => ({
          id,
          event,
          data: JSON.parse(data ?? 'null') as unknown,
        }));
      },
      next: () => frames.next(),
    };
  };

  it('lets other requests through while a subscriber catches up on a long history', async () => {
    // 80,000 changesets, read 100 to a query from a synchronous store and written as fast as
    // the socket takes them: without a pause, one unbroken chain of promises.
    const count = 80_000;
    await Promise.all(
      Array.from({ length: count }, (_, n) =>
        store.commit({
          streamId: `s${n}`,
          expectation: NEW_STREAM,
          events: [{ n }],
          metadata: {},
        }),
      ),
    );
    const loop = watchEventLoop(5);
    let longestGap: number;
    try {
      const subscriber = await subscribe('/changesets?checkpoint=0');
      loop.restart();
      const messages = await subscriber.take(count);
      expect(messages.at(-1)?.id).toBe(String(count - 1));
    } finally {
      longestGap = loop.stop().longest;
    }
    // How long timers (and so every other request) waited at most: a pause every 10 ms of
    // writing, against the whole catch-up (a few hundred ms) before.
    expect(longestGap).toBeLessThan(80);
  });

  it('sends every changeset from the checkpoint on, catching up then live', async () => {
    await commit('a', [{ n: 1 }]);
    await commit('b', [{ n: 2 }, { n: 3 }]);
    const subscription = await subscribe('/changesets?checkpoint=1');
    expect(await subscription.take(1)).toEqual([
      {
        id: '1',
        event: 'changeset',
        data: {
          stream_id: 'b',
          changeset_id: 1,
          events: [{ n: 2 }, { n: 3 }],
          metadata: { by: 'test' },
          checkpoint: 1,
        },
      },
    ]);
    await commit('a', [{ n: 4 }], { kind: 'changeset', lastChangesetId: 1 });
    expect(await subscription.take(1)).toEqual([
      {
        id: '2',
        event: 'changeset',
        data: {
          stream_id: 'a',
          changeset_id: 2,
          events: [{ n: 4 }],
          metadata: { by: 'test' },
          checkpoint: 2,
        },
      },
    ]);
  });

  it('resumes after Last-Event-ID, which wins over the checkpoint parameter', async () => {
    for (const stream of ['a', 'b', 'c', 'd']) await commit(stream, [{ stream }]);
    const subscription = await subscribe('/changesets?checkpoint=0', { 'last-event-id': '1' });
    expect((await subscription.take(2)).map((m) => m.id)).toEqual(['2', '3']);
  });

  it('lets Last-Event-ID win over a query parameter it makes moot, even an invalid one', async () => {
    await commit('a', [{ n: 1 }, { n: 2 }]);
    await commit('a', [{ n: 3 }], { kind: 'changeset', lastChangesetId: 1 });
    for (const [path, lastEventId] of [
      ['/streams/a/events?from=abc', '1.0'],
      ['/streams/a/events?from=-1', '1.0'],
      ['/streams/a/changesets?from=abc', '1'],
      ['/changesets?checkpoint=abc', '1'],
      ['/events?checkpoint=-1', '1.0'],
    ] as const) {
      const response = await fetch(`${base}${path}`, {
        headers: { ...SSE, 'last-event-id': lastEventId },
      });
      expect([path, response.status]).toEqual([path, 200]);
      await response.body?.cancel();
    }
    const subscription = await subscribe('/streams/a/events?from=abc', { 'last-event-id': '1.0' });
    expect((await subscription.take(2)).map((m) => m.id)).toEqual(['1.1', '2.0']);
  });

  it('reads a subscription in pages of about 64 KiB, which a stalled subscriber holds at most', async () => {
    const blob = 'x'.repeat(10_000);
    await Promise.all(Array.from({ length: 70 }, (_, n) => commit(`s${n}`, [{ blob }])));
    readPages = 0;
    const subscription = await subscribe('/changesets?checkpoint=0');
    expect(await subscription.take(70)).toHaveLength(70);
    // Seven changesets of 10 KB to a page, not the whole page size of 100.
    expect(readPages).toBeGreaterThanOrEqual(10);
  });

  it('sends one message per event, and resumes in the middle of a changeset', async () => {
    await commit('a', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await commit('b', [{ n: 4 }]);
    const all = await subscribe('/events');
    expect(await all.take(4)).toEqual([
      {
        id: '0.0',
        event: 'event',
        data: { stream_id: 'a', changeset_id: 1, event_id: 1, data: { n: 1 }, checkpoint: 0 },
      },
      {
        id: '0.1',
        event: 'event',
        data: { stream_id: 'a', changeset_id: 1, event_id: 2, data: { n: 2 }, checkpoint: 0 },
      },
      {
        id: '0.2',
        event: 'event',
        data: { stream_id: 'a', changeset_id: 1, event_id: 3, data: { n: 3 }, checkpoint: 0 },
      },
      {
        id: '1.0',
        event: 'event',
        data: { stream_id: 'b', changeset_id: 1, event_id: 1, data: { n: 4 }, checkpoint: 1 },
      },
    ]);
    const resumed = await subscribe('/events?checkpoint=1', { 'last-event-id': '0.1' });
    expect((await resumed.take(2)).map((m) => m.id)).toEqual(['0.2', '1.0']);
    const afterLast = await subscribe('/events', { 'last-event-id': '0.2' });
    expect((await afterLast.take(1)).map((m) => m.id)).toEqual(['1.0']);
  });

  it("follows one stream's changesets from a changeset id, also before the stream exists", async () => {
    await commit('other', [{ x: 1 }]);
    const early = await subscribe('/streams/late%2Fone/changesets');
    await commit('late/one', [{ n: 1 }]);
    await commit('other', [{ x: 2 }], { kind: 'changeset', lastChangesetId: 1 });
    await commit('late/one', [{ n: 2 }], { kind: 'changeset', lastChangesetId: 1 });
    expect(await early.take(2)).toEqual([
      {
        id: '1',
        event: 'changeset',
        data: {
          stream_id: 'late/one',
          changeset_id: 1,
          events: [{ n: 1 }],
          metadata: { by: 'test' },
          checkpoint: 1,
        },
      },
      {
        id: '2',
        event: 'changeset',
        data: {
          stream_id: 'late/one',
          changeset_id: 2,
          events: [{ n: 2 }],
          metadata: { by: 'test' },
          checkpoint: 3,
        },
      },
    ]);
    const fromTwo = await subscribe('/streams/late%2Fone/changesets?from=2');
    expect((await fromTwo.take(1)).map((m) => m.id)).toEqual(['2']);
    const resumed = await subscribe('/streams/late%2Fone/changesets?from=1', {
      'last-event-id': '1',
    });
    expect((await resumed.take(1)).map((m) => m.id)).toEqual(['2']);
  });

  it("follows one stream's events from an event id inside a changeset", async () => {
    await commit('s', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await commit('s', [{ n: 4 }], { kind: 'changeset', lastChangesetId: 1 });
    const subscription = await subscribe('/streams/s/events?from=2');
    expect(await subscription.take(3)).toEqual([
      {
        id: '1.1',
        event: 'event',
        data: { stream_id: 's', changeset_id: 1, event_id: 2, data: { n: 2 }, checkpoint: 0 },
      },
      {
        id: '1.2',
        event: 'event',
        data: { stream_id: 's', changeset_id: 1, event_id: 3, data: { n: 3 }, checkpoint: 0 },
      },
      {
        id: '2.0',
        event: 'event',
        data: { stream_id: 's', changeset_id: 2, event_id: 4, data: { n: 4 }, checkpoint: 1 },
      },
    ]);
    const resumed = await subscribe('/streams/s/events?from=1', { 'last-event-id': '1.2' });
    expect((await resumed.take(1)).map((m) => m.id)).toEqual(['2.0']);
    await commit('s', [{ n: 5 }], { kind: 'changeset', lastChangesetId: 2 });
    expect((await resumed.take(1)).map((m) => m.data)).toEqual([
      { stream_id: 's', changeset_id: 3, event_id: 5, data: { n: 5 }, checkpoint: 2 },
    ]);
  });

  it('keeps an idle connection alive with heartbeat comments', async () => {
    const subscription = await subscribe('/changesets');
    expect(await subscription.next()).toEqual({ comments: ['heartbeat'] });
  });

  it('rejects a Last-Event-ID it never sent, and answers a non-stream /events as unknown', async () => {
    const response = await fetch(`${base}/changesets`, {
      headers: { ...SSE, 'last-event-id': '3.1' },
    });
    expect([response.status, await response.json()]).toEqual([
      400,
      {
        error: 'INVALID_LAST_EVENT_ID',
        message: '"3.1" is not an id this subscription sends. Expected a checkpoint.',
      },
    ]);
    // The contract has no JSON `/events`: without the event stream it is an unknown endpoint.
    for (const method of ['GET', 'HEAD'] as const) {
      const plain = await fetch(`${base}/events?checkpoint=0`, { method });
      expect(plain.status).toBe(404);
      if (method === 'GET') expect(await plain.json()).toEqual({ message: 'Invalid endpoint' });
    }
  });

  it('answers the JSON contract when the request does not ask for an event stream', async () => {
    await commit('a', [{ n: 1 }]);
    const response = await fetch(`${base}/streams/a/changesets`);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      stream_id: 'a',
      changesets: [{ changeset_id: 1, events: [{ n: 1 }], metadata: { by: 'test' } }],
    });
  });

  it('catches up across pages cut short by their size, without waiting for the poll', async () => {
    // 300 KB changesets: a page holds 1 MB here, so the first one ends after four of them. The
    // poll is a minute away: only reading on after a short page delivers the fifth in time.
    const blob = 'x'.repeat(300_000);
    for (const stream of ['a', 'b', 'c', 'd', 'e']) await commit(stream, [{ blob }]);
    readPages = 0;
    const subscription = await subscribe('/changesets');
    const messages = await subscription.take(5);
    expect(messages.map((message) => message.id)).toEqual(['0', '1', '2', '3', '4']);
    expect(readPages).toBeGreaterThanOrEqual(2);
  });

  it('catches up one stream across pages cut short by their size, without waiting', async () => {
    const blob = 'x'.repeat(300_000);
    for (let n = 1; n <= 5; n++) {
      await commit('big', [{ n, blob }], { kind: 'changeset', lastChangesetId: n - 1 });
    }
    const subscription = await subscribe('/streams/big/changesets?from=1');
    const messages = await subscription.take(5);
    expect(messages.map((message) => message.id)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('reads no further ahead of a client that does not read', async () => {
    const blob = 'x'.repeat(10_000);
    for (let i = 0; i < 40; i++) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => commit(`s-${i}-${j}`, [{ blob }])));
    }
    readPages = 0;
    readChangesets = 0;
    // 4,000 changesets of 10 KB: 40 MB. The client reads nothing.
    const response = await fetch(`${base}/changesets`, { headers: SSE });
    open.push({ cancel: () => void response.body?.cancel().catch(() => undefined) });
    const settled = async () => {
      let before = -1;
      while (before !== readPages) {
        before = readPages;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    };
    await settled();
    // Socket buffers take a few megabytes; the rest waits in the store, not in memory.
    expect(readPages).toBeGreaterThan(0);
    expect(readChangesets).toBeLessThan(1_000);
  });

  it('ends every subscription when the server shuts down, and warns of no leak with many', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      // More than the 10 listeners an AbortSignal takes before Node warns of a leak.
      const subscriptions = await Promise.all(
        Array.from({ length: 12 }, () => subscribe('/changesets')),
      );
      const ended = subscriptions.map(async (subscription) => {
        for (;;) await subscription.next();
      });
      const assertions = ended.map((end) => expect(end).rejects.toThrow('stream ended'));
      await closeServer();
      closeServer = () => Promise.resolve();
      await Promise.all(assertions);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

import { describe, expect } from 'vitest';
import { NEW_STREAM } from '../../src/core/index.js';
import type { JsonObject } from '../../src/core/index.js';
import {
  afterChangeset,
  afterEvent,
  attemptCommit,
  commitEvents,
  comparable,
  readEnumeration,
} from './fixtures.js';
import type { SuiteContext } from './harness.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Every JSON shape a client may send, including what databases like to normalise. */
const awkwardEvent: JsonObject = {
  'zeta key first': 'keys keep their order',
  alpha: 'ascii',
  unicode: 'héllo wörld – 日本語 – 🎉 – \u2028 – \u00e9',
  escapes: '"quoted" \\ back\\slash\n\t\r',
  numbers: [0, -1, 42, 1.5, -0.25, 1e21, 2.5e-8, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
  nothing: null,
  truth: [true, false],
  empty: { object: {}, array: [], string: '' },
  nested: { a: { b: { c: [{ d: [null, { e: 'deep' }] }] } } },
  'ключ 🔑': 'unicode key',
};

const awkwardMetadata: JsonObject = {
  user: 'ünïcödé',
  tags: [],
  context: { ip: null, nested: {} },
  version: 3,
};

export function testCommit({ test }: SuiteContext): void {
  describe('commit', () => {
    test('a new stream gets changeset 1 holding events 1..n', async ({ store }) => {
      const events = [{ type: 'Opened' }, { type: 'Deposited', amount: 10 }];
      const result = await store.commit({
        streamId: 'account-1',
        expectation: NEW_STREAM,
        events,
        metadata: { user: 'ann' },
      });
      expect(result).toEqual({
        status: 'committed',
        changeset: {
          streamId: 'account-1',
          changesetId: 1,
          events,
          metadata: { user: 'ann' },
          timestamp: expect.stringMatching(ISO_UTC) as unknown,
          firstEventId: 1,
          lastEventId: 2,
          checkpoint: store.capabilities.checkpointsAtCommit ? 0 : null,
        },
      });
    });

    test('later commits by changeset expectation number changesets and events on', async ({
      store,
    }) => {
      await commitEvents(store, 's', NEW_STREAM, [{ n: 1 }, { n: 2 }]);
      const second = await commitEvents(store, 's', afterChangeset(1), [{ n: 3 }, { n: 4 }, {}]);
      const third = await commitEvents(store, 's', afterChangeset(2), [{ n: 6 }]);
      expect([second, third].map((c) => [c.changesetId, c.firstEventId, c.lastEventId])).toEqual([
        [2, 3, 5],
        [3, 6, 6],
      ]);
      expect(third.events).toEqual([{ n: 6 }]);
    });

    test('later commits by event expectation number changesets and events on', async ({
      store,
    }) => {
      const first = await commitEvents(store, 's', afterEvent(0), [{ n: 1 }, { n: 2 }]);
      const second = await commitEvents(store, 's', afterEvent(2), [{ n: 3 }, { n: 4 }, {}]);
      const third = await commitEvents(store, 's', afterEvent(5), [{ n: 6 }]);
      expect(
        [first, second, third].map((c) => [c.changesetId, c.firstEventId, c.lastEventId]),
      ).toEqual([
        [1, 1, 2],
        [2, 3, 5],
        [3, 6, 6],
      ]);
    });

    test('the implicit expectation (new stream) conflicts on an existing stream', async ({
      store,
    }) => {
      const first = await commitEvents(store, 's', NEW_STREAM, [{ n: 1 }]);
      const result = await attemptCommit(store, 's', NEW_STREAM);
      expect(result).toEqual({ status: 'conflict', forthcoming: [first].map(comparable(store)) });
      expect(await attemptCommit(store, 's', afterEvent(0))).toEqual(result);
    });

    test('the timestamp is an ISO-8601 UTC string close to now', async ({ store }) => {
      const before = Date.now();
      const changeset = await commitEvents(store, 's', NEW_STREAM, [{ n: 1 }]);
      const after = Date.now();
      expect(changeset.timestamp).toMatch(ISO_UTC);
      // The server clock may differ a little from the test's.
      const committedAt = Date.parse(changeset.timestamp);
      expect(committedAt).toBeGreaterThanOrEqual(before - 5_000);
      expect(committedAt).toBeLessThanOrEqual(after + 5_000);
      const [read] = (await store.readChangesets('s', {})) ?? [];
      expect(read?.timestamp).toBe(changeset.timestamp);
    });

    test('a commit given a timestamp keeps it; one without takes the clock', async ({ store }) => {
      const stamps = ['2019-03-04T05:06:07.890Z', '2020-12-31T23:59:59.999Z'];
      // Concurrent, so that stores which batch commits write both in one batch.
      const given = await Promise.all(
        stamps.map((timestamp, index) =>
          store.commit({
            streamId: `copied-${index}`,
            expectation: NEW_STREAM,
            events: [{ index }],
            metadata: {},
            timestamp,
          }),
        ),
      );
      expect(
        given.map((result) => result.status === 'committed' && result.changeset.timestamp),
      ).toEqual(stamps);
      const before = Date.now();
      const clocked = await commitEvents(store, 'copied-0', afterChangeset(1), [{ n: 2 }]);
      expect(Date.parse(clocked.timestamp)).toBeGreaterThanOrEqual(before - 5_000);
      const read = await Promise.all(
        ['copied-0', 'copied-1'].map((streamId) => store.readChangesets(streamId, {})),
      );
      expect(read.map((changesets) => changesets?.map((c) => c.timestamp))).toEqual([
        [stamps[0], clocked.timestamp],
        [stamps[1]],
      ]);
    });

    test('empty metadata is kept as an empty object', async ({ store }) => {
      const committed = await commitEvents(store, 's', NEW_STREAM, [{ n: 1 }], {});
      expect(committed.metadata).toEqual({});
      const read = await store.readChangesets('s', {});
      expect(read?.map((c) => c.metadata)).toEqual([{}]);
    });

    test('events and metadata round-trip byte for byte as JSON', async (sut) => {
      const { store } = sut;
      const events = [awkwardEvent, {}, { only: null }];
      const committed = await commitEvents(store, 's', NEW_STREAM, events, awkwardMetadata);
      const [read] = (await store.readChangesets('s', {})) ?? [];
      const [enumerated] = await readEnumeration(sut);
      const readEvents = await store.readEvents('s', {});
      const json = (value: unknown) => JSON.stringify(value);
      for (const changeset of [committed, read, enumerated]) {
        expect(json(changeset?.events)).toBe(json(events));
        expect(json(changeset?.metadata)).toBe(json(awkwardMetadata));
      }
      expect(json(readEvents?.map((e) => e.data))).toBe(json(events));
    });

    test('stream ids with unicode, spaces, slashes and 1000 characters work', async ({ store }) => {
      const ids = [
        'Größe/日本/🎉',
        'with spaces  and\ttabs',
        'a/b/../c?d=e&f#g%20',
        'quotes \' " and \\ backslash',
        'x'.repeat(1000),
      ];
      for (const [index, streamId] of ids.entries()) {
        await commitEvents(store, streamId, NEW_STREAM, [{ index }]);
      }
      for (const [index, streamId] of ids.entries()) {
        const changesets = await store.readChangesets(streamId, {});
        expect(changesets?.map((c) => [c.streamId, c.changesetId, c.events])).toEqual([
          [streamId, 1, [{ index }]],
        ]);
        expect(await store.readEvents(streamId, {})).toEqual([
          { changesetId: 1, eventId: 1, data: { index } },
        ]);
      }
    });

    test('streams are independent', async ({ store }) => {
      await commitEvents(store, 'order-1', NEW_STREAM, [{ n: 1 }, { n: 2 }]);
      await commitEvents(store, 'order-1', afterChangeset(1), [{ n: 3 }]);
      // Case and prefixes distinguish stream ids.
      const other = await commitEvents(store, 'Order-1', NEW_STREAM, [{ m: 1 }]);
      const prefixed = await commitEvents(store, 'order-1/items', NEW_STREAM, [{ p: 1 }]);
      expect([other, prefixed].map((c) => [c.changesetId, c.firstEventId, c.lastEventId])).toEqual([
        [1, 1, 1],
        [1, 1, 1],
      ]);
      expect(await store.readEvents('Order-1', {})).toEqual([
        { changesetId: 1, eventId: 1, data: { m: 1 } },
      ]);
      const read = await store.readChangesets('order-1', {});
      expect(read?.map((c) => [c.changesetId, c.events])).toEqual([
        [1, [{ n: 1 }, { n: 2 }]],
        [2, [{ n: 3 }]],
      ]);
    });
  });
}

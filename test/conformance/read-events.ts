import { describe, expect } from 'vitest';
import type { EventStore, StreamEvent } from '../../src/core/index.js';
import { buildSizedStream, buildStream, streamEvent } from './fixtures.js';
import type { SuiteContext } from './harness.js';

// Changesets 1..4 of stream `s` hold events 1-2, 3-5, 6, 7-10.
const SIZES = [2, 3, 1, 4];
const CHANGESET_OF = [0, 1, 1, 2, 2, 2, 3, 4, 4, 4, 4];

/** Events `from..to` of stream `s` as `readEvents` must return them. */
const expected = (from: number, to: number): StreamEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) =>
    streamEvent(CHANGESET_OF[from + i] ?? Number.NaN, from + i),
  );

export function testReadEvents({ test }: SuiteContext): void {
  describe('readEvents', () => {
    const build = (store: EventStore) => buildStream(store, 's', SIZES);

    test('events of an unknown stream read as undefined', async ({ store }) => {
      expect(await store.readEvents('s', {})).toBeUndefined();
      await build(store);
      expect(await store.readEvents('t', { from: 1, to: 2 })).toBeUndefined();
    });

    test('the full range returns every event with its changeset', async ({ store }) => {
      await build(store);
      expect(await store.readEvents('s', {})).toEqual(expected(1, 10));
      expect(await store.readEvents('s', { from: 0 })).toEqual(expected(1, 10));
      expect(await store.readEvents('s', { to: 10 })).toEqual(expected(1, 10));
    });

    test('a range starting inside a changeset', async ({ store }) => {
      await build(store);
      expect(await store.readEvents('s', { from: 4 })).toEqual(expected(4, 10));
    });

    test('a range ending inside a changeset', async ({ store }) => {
      await build(store);
      expect(await store.readEvents('s', { to: 8 })).toEqual(expected(1, 8));
      expect(await store.readEvents('s', { from: 0, to: 4 })).toEqual(expected(1, 4));
    });

    test('a range inside one changeset', async ({ store }) => {
      await build(store);
      expect(await store.readEvents('s', { from: 8, to: 9 })).toEqual(expected(8, 9));
    });

    test('a range across several changesets', async ({ store }) => {
      await build(store);
      expect(await store.readEvents('s', { from: 2, to: 7 })).toEqual(expected(2, 7));
    });

    test('a range of exactly one event', async ({ store }) => {
      await build(store);
      expect(await store.readEvents('s', { from: 4, to: 4 })).toEqual([streamEvent(2, 4)]);
      expect(await store.readEvents('s', { from: 6, to: 6 })).toEqual([streamEvent(3, 6)]);
    });

    test('an event range beyond the end is empty', async ({ store }) => {
      await build(store);
      expect(await store.readEvents('s', { from: 11 })).toEqual([]);
      expect(await store.readEvents('s', { from: 11, to: 20 })).toEqual([]);
      expect(await store.readEvents('s', { from: 10, to: 20 })).toEqual(expected(10, 10));
      expect(await store.readEvents('s', { from: 0, to: 0 })).toEqual([]);
    });

    test('a middle slice of a stream with 200 changesets is exactly that slice', async ({
      store,
    }) => {
      // Changeset k holds events 2k-1 and 2k.
      await buildStream(
        store,
        's',
        Array.from({ length: 200 }, () => 2),
      );
      const events = await store.readEvents('s', { from: 251, to: 262 });
      expect(events).toEqual(
        Array.from({ length: 12 }, (_, i) => streamEvent(Math.ceil((251 + i) / 2), 251 + i)),
      );
      const changesets = await store.readChangesets('s', { from: 120, to: 123 });
      expect(changesets?.map((c) => [c.changesetId, c.firstEventId, c.lastEventId])).toEqual([
        [120, 239, 240],
        [121, 241, 242],
        [122, 243, 244],
        [123, 245, 246],
      ]);
    });

    test('a read bounded in bytes ends with the changeset whose events reach the bound', async ({
      store,
    }) => {
      await buildSizedStream(store);
      const ids = async (range: { from?: number; to?: number }, maxBytes: number) =>
        (await store.readEvents('big', range, maxBytes))?.map((e) => e.eventId);
      // 1010 characters of events each; the metadata (508) and the first changeset do not count.
      expect(await ids({}, 1)).toEqual([1, 2]);
      expect(await ids({}, 1010)).toEqual([1, 2]);
      expect(await ids({}, 1011)).toEqual([1, 2, 3]);
      expect(await ids({}, 1e9)).toEqual([1, 2, 3, 4]);
      expect(await ids({ from: 3 }, 1)).toEqual([3, 4]);
      expect(await ids({ from: 4 }, 1)).toEqual([4]);
      expect(await ids({ from: 2, to: 3 }, 1e9)).toEqual([2, 3]);
      expect(await ids({ from: 5 }, 1)).toEqual([]);
      expect(await store.readEvents('none', {}, 1)).toBeUndefined();
      expect(await store.readEvents('big', { from: 2 }, 1000)).toEqual(
        (await store.readEvents('big', { from: 2, to: 3 })) ?? [],
      );
    });
  });
}

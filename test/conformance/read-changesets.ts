import { describe, expect } from 'vitest';
import type { Changeset, EventStore, Range } from '../../src/core/index.js';
import { buildSizedStream, buildStream, comparable } from './fixtures.js';
import type { SuiteContext } from './harness.js';

/** Reads a range of the 5-changeset stream `s` and returns the changeset ids it holds. */
async function readIds(store: EventStore, range: Range): Promise<number[] | undefined> {
  const changesets = await store.readChangesets('s', range);
  return changesets?.map((c) => c.changesetId);
}

export function testReadChangesets({ test }: SuiteContext): void {
  describe('readChangesets', () => {
    const written = async (store: EventStore): Promise<Changeset[]> =>
      (await buildStream(store, 's', [1, 2, 1, 3, 1])).map(comparable(store));

    test('an unknown stream reads as undefined', async ({ store }) => {
      expect(await store.readChangesets('s', {})).toBeUndefined();
      await written(store);
      expect(await store.readChangesets('t', {})).toBeUndefined();
      expect(await store.readChangesets('S', { from: 1 })).toBeUndefined();
    });

    test('the full range returns every changeset in order', async ({ store }) => {
      const changesets = await written(store);
      const read = await store.readChangesets('s', {});
      expect(read?.map(comparable(store))).toEqual(changesets);
      expect(changesets.map((c) => [c.changesetId, c.firstEventId, c.lastEventId])).toEqual([
        [1, 1, 1],
        [2, 2, 3],
        [3, 4, 4],
        [4, 5, 7],
        [5, 8, 8],
      ]);
    });

    test('from alone reads to the end', async ({ store }) => {
      const changesets = await written(store);
      const read = await store.readChangesets('s', { from: 3 });
      expect(read?.map(comparable(store))).toEqual(changesets.slice(2));
    });

    test('to alone reads from the start', async ({ store }) => {
      await written(store);
      expect(await readIds(store, { to: 2 })).toEqual([1, 2]);
      expect(await readIds(store, { to: 100 })).toEqual([1, 2, 3, 4, 5]);
    });

    test('from and to are both inclusive', async ({ store }) => {
      const changesets = await written(store);
      const read = await store.readChangesets('s', { from: 2, to: 4 });
      expect(read?.map(comparable(store))).toEqual(changesets.slice(1, 4));
    });

    test('a single changeset', async ({ store }) => {
      const changesets = await written(store);
      const read = await store.readChangesets('s', { from: 3, to: 3 });
      expect(read?.map(comparable(store))).toEqual([changesets[2]]);
    });

    test('a range beyond the end is empty', async ({ store }) => {
      await written(store);
      expect(await readIds(store, { from: 6 })).toEqual([]);
      expect(await readIds(store, { from: 6, to: 10 })).toEqual([]);
      expect(await readIds(store, { from: 5, to: 100 })).toEqual([5]);
    });

    test('from 0 reads from the start', async ({ store }) => {
      await written(store);
      expect(await readIds(store, { from: 0 })).toEqual([1, 2, 3, 4, 5]);
      expect(await readIds(store, { from: 0, to: 1 })).toEqual([1]);
      expect(await readIds(store, { from: 0, to: 0 })).toEqual([]);
    });

    test('a read bounded in bytes ends with the changeset that reaches the bound', async (sut) => {
      const { store } = sut;
      await buildSizedStream(store);
      // Checkpoints assigned, so that two reads at different moments compare equal.
      await sut.settle?.();
      const ids = async (range: Range, maxBytes: number) =>
        (await store.readChangesets('big', range, maxBytes))?.map((c) => c.changesetId);
      // 1518 characters of events and metadata each.
      expect(await ids({}, 1)).toEqual([1]);
      expect(await ids({}, 1518)).toEqual([1]);
      expect(await ids({}, 1519)).toEqual([1, 2]);
      expect(await ids({}, 3100)).toEqual([1, 2, 3]);
      expect(await ids({}, 1e9)).toEqual([1, 2, 3, 4]);
      expect(await ids({ from: 3 }, 1)).toEqual([3]);
      expect(await ids({ from: 2, to: 3 }, 1e9)).toEqual([2, 3]);
      expect(await ids({ from: 5 }, 1)).toEqual([]);
      expect(await store.readChangesets('none', {}, 1)).toBeUndefined();
      expect(await store.readChangesets('big', { from: 2 }, 1519)).toEqual(
        (await store.readChangesets('big', { from: 2, to: 3 })) ?? [],
      );
    });
  });
}

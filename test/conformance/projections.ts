import { describe, expect } from 'vitest';
import type { SuiteContext } from './harness.js';

const state = {
  totals: { streams: 3, events: 12 },
  seen: ['a', 'ü/日本', null],
  ratio: 0.75,
  empty: {},
};

export function testProjections({ test }: SuiteContext): void {
  describe('projections', () => {
    test('a projection never written reads as undefined', async ({ store }) => {
      expect(await store.readProjection('statistics')).toBeUndefined();
    });

    test('the first write, with previous undefined, is saved', async ({ store }) => {
      expect(await store.writeProjection('statistics', { checkpoint: 5, state }, undefined)).toBe(
        true,
      );
      expect(await store.readProjection('statistics')).toEqual({ checkpoint: 5, state });
    });

    test('a write with the persisted checkpoint as previous is saved', async ({ store }) => {
      await store.writeProjection('p', { checkpoint: 5, state: { n: 1 } }, undefined);
      expect(await store.writeProjection('p', { checkpoint: 9, state: { n: 2 } }, 5)).toBe(true);
      expect(await store.writeProjection('p', { checkpoint: 9, state: { n: 3 } }, 9)).toBe(true);
      expect(await store.readProjection('p')).toEqual({ checkpoint: 9, state: { n: 3 } });
    });

    test('a write with a wrong previous returns false and changes nothing', async ({ store }) => {
      // Nothing saved yet: a previous checkpoint of 0 is wrong too.
      expect(await store.writeProjection('p', { checkpoint: 1, state: { n: 0 } }, 0)).toBe(false);
      expect(await store.readProjection('p')).toBeUndefined();
      await store.writeProjection('p', { checkpoint: 5, state: { n: 1 } }, undefined);
      for (const previous of [undefined, 0, 4, 6]) {
        expect(await store.writeProjection('p', { checkpoint: 7, state: { n: 2 } }, previous)).toBe(
          false,
        );
      }
      expect(await store.readProjection('p')).toEqual({ checkpoint: 5, state: { n: 1 } });
    });

    test('projection state round-trips as JSON', async ({ store }) => {
      await store.writeProjection('p', { checkpoint: 0, state }, undefined);
      const read = await store.readProjection('p');
      expect(JSON.stringify(read?.state)).toBe(JSON.stringify(state));
      expect(read?.checkpoint).toBe(0);
    });

    test('projections are independent by name', async ({ store }) => {
      await store.writeProjection('a', { checkpoint: 3, state: { name: 'a' } }, undefined);
      expect(
        await store.writeProjection('b', { checkpoint: 8, state: { name: 'b' } }, undefined),
      ).toBe(true);
      expect(await store.writeProjection('a', { checkpoint: 4, state: { name: 'a2' } }, 3)).toBe(
        true,
      );
      expect(await store.readProjection('a')).toEqual({ checkpoint: 4, state: { name: 'a2' } });
      expect(await store.readProjection('b')).toEqual({ checkpoint: 8, state: { name: 'b' } });
      expect(await store.readProjection('A')).toBeUndefined();
    });
  });
}

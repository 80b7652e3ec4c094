import { describe, expect } from 'vitest';
import type { Changeset, EventStore } from '../../src/core/index.js';
import { afterChangeset, commitEvents, readEnumeration } from './fixtures.js';
import type { StoreUnderTest, SuiteContext } from './harness.js';

/** A changeset given whole, as a copy hands it over; `events` many events from `firstEventId`. */
const given = (
  streamId: string,
  changesetId: number,
  firstEventId: number,
  events = 1,
): Changeset => ({
  streamId,
  changesetId,
  firstEventId,
  lastEventId: firstEventId + events - 1,
  events: Array.from({ length: events }, (_, n) => ({ type: 'copied', n, 'key "quoted"': 'é🎉' })),
  metadata: { from: 'elsewhere', changesetId },
  timestamp: `2020-01-0${changesetId}T00:00:00.000Z`,
  checkpoint: null,
});

/** What the store holds, as the enumeration lists it: stream, number, event ids, timestamp. */
const held = async (sut: StoreUnderTest) =>
  (await readEnumeration(sut)).map((c) => [c.streamId, c.changesetId, c.firstEventId, c.timestamp]);

/** The store's `appendInOrder`, for stores that have one; the tests pass over the others. */
const appendOf = (store: EventStore) => store.appendInOrder?.bind(store);

export function testAppendInOrder({ test }: SuiteContext): void {
  describe('appendInOrder', () => {
    test('appendInOrder keeps changesets as given and numbers them in the given order', async (sut) => {
      const append = appendOf(sut.store);
      if (append === undefined) return;
      const changesets = [
        given('a', 1, 1, 2),
        given('b', 1, 1),
        given('a', 2, 3),
        given('c', 1, 1, 3),
      ];
      expect(await append(changesets)).toBe(true);
      const enumeration = await readEnumeration(sut);
      expect(enumeration).toEqual(
        changesets.map((changeset, checkpoint) => ({ ...changeset, checkpoint })),
      );
      expect(await sut.store.readChangesets('a', {})).toEqual(
        enumeration.filter((c) => c.streamId === 'a'),
      );
    });

    test('appendInOrder goes on after changesets committed before', async (sut) => {
      const append = appendOf(sut.store);
      if (append === undefined) return;
      await commitEvents(sut.store, 'a', afterChangeset(0), [{}, {}]);
      expect(await append([given('b', 1, 1), given('a', 2, 3)])).toBe(true);
      expect((await held(sut)).map(([streamId, changesetId]) => [streamId, changesetId])).toEqual([
        ['a', 1],
        ['b', 1],
        ['a', 2],
      ]);
      // The stream goes on by commit after the appended changesets.
      const next = await commitEvents(sut.store, 'a', afterChangeset(2), [{}]);
      expect([next.changesetId, next.firstEventId]).toEqual([3, 4]);
    });

    const refused: [string, Changeset[]][] = [
      ['a changeset the store has already', [given('a', 1, 1, 2)]],
      ['a changeset after a gap', [given('a', 3, 4)]],
      ['event ids that do not go on from the last', [given('a', 2, 4)]],
      ['a new stream not starting at changeset 1', [given('b', 2, 1)]],
      ['a new stream not starting at event 1', [given('b', 1, 2)]],
      ['event ids that do not span the events', [{ ...given('b', 1, 1, 2), lastEventId: 3 }]],
      ['a changeset without events', [{ ...given('b', 1, 1), events: [], lastEventId: 0 }]],
      ['the same changeset twice', [given('b', 1, 1), given('b', 1, 1)]],
      ['a changeset listed before the one it follows', [given('b', 2, 2), given('b', 1, 1)]],
    ];
    for (const [what, wrong] of refused) {
      test(`appendInOrder writes nothing when the list holds ${what}`, async (sut) => {
        const append = appendOf(sut.store);
        if (append === undefined) return;
        await commitEvents(sut.store, 'a', afterChangeset(0), [{}, {}]);
        const before = await held(sut);
        // Good changesets around the wrong ones: all or none.
        expect(await append([given('c', 1, 1), ...wrong, given('d', 1, 1)])).toBe(false);
        expect(await held(sut)).toEqual(before);
        expect(await sut.store.readChangesets('c', {})).toBeUndefined();
      });
    }
  });
}

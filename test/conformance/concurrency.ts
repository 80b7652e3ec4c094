import { describe, expect } from 'vitest';
import { NEW_STREAM } from '../../src/core/index.js';
import type { Changeset, EventStore, Expectation } from '../../src/core/index.js';
import {
  afterChangeset,
  afterEvent,
  attemptCommit,
  buildStream,
  comparable,
  commitEvents,
  readEnumeration,
  sortedIdentities,
} from './fixtures.js';
import type { SuiteContext } from './harness.js';

const RACERS = 20;

/** Races `RACERS` commits with one expectation and checks exactly one wins. */
async function race(
  store: EventStore,
  streamId: string,
  expectation: Expectation,
): Promise<Changeset> {
  const results = await Promise.all(
    Array.from({ length: RACERS }, (_, racer) =>
      attemptCommit(store, streamId, expectation, [{ racer }]),
    ),
  );
  const winners = results.flatMap((r) => (r.status === 'committed' ? [r.changeset] : []));
  expect(winners).toHaveLength(1);
  const [winner] = winners;
  if (winner === undefined) throw new Error('no winner');
  const conflict = { status: 'conflict', forthcoming: [winner] };
  expect(results.filter((r) => r.status !== 'committed')).toEqual(
    Array.from({ length: RACERS - 1 }, () => conflict),
  );
  return winner;
}

export function testConcurrency({ test }: SuiteContext): void {
  describe('concurrency', () => {
    test('of concurrent commits creating one stream exactly one commits', async ({ store }) => {
      const winner = await race(store, 's', NEW_STREAM);
      const read = await store.readChangesets('s', {});
      expect(read?.map(comparable(store))).toEqual([comparable(store)(winner)]);
      expect(winner.events).toHaveLength(1);
    });

    test('of concurrent commits with one changeset expectation exactly one commits', async ({
      store,
    }) => {
      const base = await buildStream(store, 's', [2]);
      const winner = await race(store, 's', afterChangeset(1));
      expect([winner.changesetId, winner.firstEventId, winner.lastEventId]).toEqual([2, 3, 3]);
      const read = await store.readChangesets('s', {});
      expect(read?.map(comparable(store))).toEqual([...base, winner].map(comparable(store)));
    });

    test('of concurrent commits with one event expectation exactly one commits', async ({
      store,
    }) => {
      await buildStream(store, 's', [2, 1]);
      const winner = await race(store, 's', afterEvent(3));
      expect([winner.changesetId, winner.firstEventId]).toEqual([3, 4]);
      expect(await store.readEvents('s', { from: 4 })).toEqual([
        { changesetId: 3, eventId: 4, data: winner.events[0] },
      ]);
    });

    test('concurrent commits to distinct streams all succeed, enumeration stays gapless', async (sut) => {
      const { store } = sut;
      const streams = Array.from({ length: 30 }, (_, i) => `stream-${i}`);
      const chains = streams.map(async (streamId) => {
        const committed: Changeset[] = [];
        for (let n = 0; n < 3; n++) {
          committed.push(await commitEvents(store, streamId, afterChangeset(n), [{ streamId, n }]));
        }
        return committed;
      });
      const committed = (await Promise.all(chains)).flat();
      const enumeration = await readEnumeration(sut);
      expect(enumeration.map((c) => c.checkpoint)).toEqual(Array.from({ length: 90 }, (_, i) => i));
      expect(sortedIdentities(enumeration)).toEqual(sortedIdentities(committed));
      for (const streamId of streams) {
        const ids = enumeration.filter((c) => c.streamId === streamId).map((c) => c.changesetId);
        expect(ids).toEqual([1, 2, 3]);
      }
    });

    test('of concurrent projection writes from one checkpoint exactly one is saved', async ({
      store,
    }) => {
      await store.writeProjection('p', { checkpoint: 1, state: { runner: -1 } }, undefined);
      const saved = await Promise.all(
        Array.from({ length: RACERS }, (_, runner) =>
          store.writeProjection('p', { checkpoint: 2 + runner, state: { runner } }, 1),
        ),
      );
      expect(saved.filter(Boolean)).toHaveLength(1);
      const runner = saved.indexOf(true);
      expect(await store.readProjection('p')).toEqual({
        checkpoint: 2 + runner,
        state: { runner },
      });
    });
  });
}

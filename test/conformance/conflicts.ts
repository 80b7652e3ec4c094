import { describe, expect } from 'vitest';
import type { Expectation } from '../../src/core/index.js';
import { NEW_STREAM, commitChangeset } from '../../src/core/index.js';
import {
  afterChangeset,
  afterEvent,
  attemptCommit,
  buildSizedStream,
  buildStream,
  comparable,
  readEnumeration,
  rejection,
} from './fixtures.js';
import type { SuiteContext } from './harness.js';

// Changesets 1..4 hold events 1-2, 3-5, 6, 7-8.
const SIZES = [2, 3, 1, 2];
const HEAD = { lastChangesetId: 4, lastEventId: 8 };

export function testConflicts({ test }: SuiteContext): void {
  describe('conflicts', () => {
    test('a changeset expectation behind conflicts with every changeset after it', async ({
      store,
    }) => {
      const written = (await buildStream(store, 's', SIZES)).map(comparable(store));
      for (const expected of [0, 1, 3]) {
        expect(await attemptCommit(store, 's', afterChangeset(expected))).toEqual({
          status: 'conflict',
          forthcoming: written.slice(expected),
        });
      }
    });

    test('an event expectation behind conflicts with every changeset holding a later event', async ({
      store,
    }) => {
      const [c1, c2, c3, c4] = (await buildStream(store, 's', SIZES)).map(comparable(store));
      const cases = [
        { lastEventId: 0, forthcoming: [c1, c2, c3, c4] },
        { lastEventId: 2, forthcoming: [c2, c3, c4] },
        { lastEventId: 6, forthcoming: [c4] },
        { lastEventId: 7, forthcoming: [c4] },
      ];
      for (const { lastEventId, forthcoming } of cases) {
        expect(await attemptCommit(store, 's', afterEvent(lastEventId))).toEqual({
          status: 'conflict',
          forthcoming,
        });
      }
    });

    test('an event expectation inside a changeset conflicts from that changeset on', async ({
      store,
    }) => {
      const [, c2, c3, c4] = (await buildStream(store, 's', SIZES)).map(comparable(store));
      // Events 3, 4, 5 are changeset 2: after event 3 or 4, changeset 2 still holds later ones.
      for (const lastEventId of [3, 4]) {
        expect(await attemptCommit(store, 's', afterEvent(lastEventId))).toEqual({
          status: 'conflict',
          forthcoming: [c2, c3, c4],
        });
      }
      expect(await attemptCommit(store, 's', afterEvent(5))).toEqual({
        status: 'conflict',
        forthcoming: [c3, c4],
      });
    });

    test('a conflict bounded in bytes lists the first winners, as a bounded read does', async (sut) => {
      const { store } = sut;
      await buildSizedStream(store);
      // Checkpoints assigned, so that the conflict and the read compare equal.
      await sut.settle?.();
      const conflict = (expectation: Expectation, maxForthcomingBytes: number) =>
        attemptCommit(store, 'big', expectation, undefined, { maxForthcomingBytes });
      const ids = async (expectation: Expectation, maxBytes: number) => {
        const result = await conflict(expectation, maxBytes);
        return result.status === 'conflict' ? result.forthcoming.map((c) => c.changesetId) : result;
      };
      // Four changesets of one event each, 1518 characters of events and metadata each.
      expect(await ids(afterChangeset(0), 1)).toEqual([1]);
      expect(await ids(afterChangeset(0), 1518)).toEqual([1]);
      expect(await ids(afterChangeset(0), 1519)).toEqual([1, 2]);
      expect(await ids(afterChangeset(0), 1e9)).toEqual([1, 2, 3, 4]);
      expect(await ids(afterChangeset(2), 1)).toEqual([3]);
      expect(await ids(afterEvent(1), 3100)).toEqual([2, 3, 4]);
      expect(await ids(afterEvent(3), 1)).toEqual([4]);
      const read = await store.readChangesets('big', { from: 2 }, 1519);
      expect(await conflict(afterEvent(1), 1519)).toEqual({
        status: 'conflict',
        forthcoming: (read ?? []).map(comparable(store)),
      });
    });

    test('a changeset expectation ahead of the stream reports its head', async ({ store }) => {
      await buildStream(store, 's', SIZES);
      for (const expected of [5, 8, 1000]) {
        expect(await attemptCommit(store, 's', afterChangeset(expected))).toEqual({
          status: 'ahead',
          head: HEAD,
        });
      }
    });

    test('an event expectation ahead of the stream reports its head', async ({ store }) => {
      await buildStream(store, 's', SIZES);
      for (const expected of [9, 1000]) {
        expect(await attemptCommit(store, 's', afterEvent(expected))).toEqual({
          status: 'ahead',
          head: HEAD,
        });
      }
    });

    test('an expectation on a stream that does not exist is ahead', async ({ store }) => {
      await buildStream(store, 'other', SIZES);
      const empty = { lastChangesetId: 0, lastEventId: 0 };
      expect(await attemptCommit(store, 's', afterChangeset(1))).toEqual({
        status: 'ahead',
        head: empty,
      });
      expect(await attemptCommit(store, 's', afterEvent(3))).toEqual({
        status: 'ahead',
        head: empty,
      });
      expect(await store.readChangesets('s', {})).toBeUndefined();
    });

    test('a conflicting or ahead commit writes nothing', async (sut) => {
      const { store } = sut;
      const written = await buildStream(store, 's', SIZES);
      const snapshot = async () => ({
        // Settled first, so the changesets read carry their checkpoints.
        enumeration: await readEnumeration(sut),
        changesets: await store.readChangesets('s', {}),
        events: await store.readEvents('s', {}),
        missing: await store.readChangesets('missing', {}),
      });
      const before = await snapshot();
      const rejected = [
        await attemptCommit(store, 's', NEW_STREAM),
        await attemptCommit(store, 's', afterChangeset(2)),
        await attemptCommit(store, 's', afterEvent(4)),
        await attemptCommit(store, 's', afterChangeset(5)),
        await attemptCommit(store, 's', afterEvent(9)),
        await attemptCommit(store, 'missing', afterChangeset(3)),
      ];
      expect(rejected.map((r) => r.status)).toEqual([
        'conflict',
        'conflict',
        'conflict',
        'ahead',
        'ahead',
        'ahead',
      ]);
      expect(before.changesets?.map(comparable(store))).toEqual(written.map(comparable(store)));
      expect(before.missing).toBeUndefined();
      expect(await snapshot()).toEqual(before);
      // The next commit still gets the next numbers.
      const next = await attemptCommit(store, 's', afterChangeset(4));
      expect(next).toMatchObject({
        status: 'committed',
        changeset: { changesetId: 5, firstEventId: 9, lastEventId: 9 },
      });
    });

    test('commitChangeset turns a rejected expectation into the contract error', async ({
      store,
    }) => {
      const written = (await buildStream(store, 's', SIZES)).map(comparable(store));
      const request = { streamId: 's', events: [{}], metadata: {} };
      const conflict = await rejection(
        commitChangeset(store, { ...request, expectation: afterEvent(6) }),
      );
      expect({
        code: conflict.code,
        message: conflict.message,
        streamId: conflict.streamId,
        forthcoming: conflict.forthcoming?.map(comparable(store)),
      }).toEqual({
        code: 'OPTIMISTIC_CONCURRENCY_EXCEPTION',
        message:
          'The expected last event (6) is outdated, review the changeset(s) appended after it.',
        streamId: 's',
        forthcoming: written.slice(3),
      });
      const ahead = await rejection(
        commitChangeset(store, { ...request, expectation: afterChangeset(7) }),
      );
      expect([ahead.code, ahead.message, ahead.streamId, ahead.forthcoming]).toEqual([
        'INVALID_EXPECTED_CHANGESET_ID',
        'The specified expected changeset(7) doesn\'t exist. The "s" stream\'s most recent changeset is 4.',
        's',
        undefined,
      ]);
    });
  });
}

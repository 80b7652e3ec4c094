import { describe, expect } from 'vitest';
import {
  NEW_STREAM,
  nextCheckpoint,
  readGlobalText,
  toChangesetText,
} from '../../src/core/index.js';
import type { Changeset, IndexedChangeset, JsonObject } from '../../src/core/index.js';
import {
  afterChangeset,
  commitEvents,
  comparable,
  identityOf,
  readEnumeration,
  sortedByIdentity,
  sortedIdentities,
} from './fixtures.js';
import type { StoreUnderTest, SuiteContext } from './harness.js';

/** Commits A1, B1, A2, C1, B2, A3, C2, A4: three streams, interleaved. */
async function interleave({ store }: StoreUnderTest): Promise<Changeset[]> {
  const order = ['a', 'b', 'a', 'c', 'b', 'a', 'c', 'a'];
  const heads = new Map<string, number>();
  const committed: Changeset[] = [];
  for (const [index, streamId] of order.entries()) {
    const head = heads.get(streamId) ?? 0;
    const events = Array.from({ length: (index % 3) + 1 }, (_, n) => ({ index, n }));
    committed.push(await commitEvents(store, streamId, afterChangeset(head), events));
    heads.set(streamId, head + 1);
  }
  return committed;
}

/** The enumeration read in pages of `limit`, each page starting at the previous next checkpoint. */
async function readPaged(sut: StoreUnderTest, limit: number): Promise<IndexedChangeset[]> {
  await sut.settle?.();
  const all: IndexedChangeset[] = [];
  let checkpoint = 0;
  for (;;) {
    const page = await sut.store.readGlobal(checkpoint, limit);
    expect(page.length).toBeLessThanOrEqual(limit);
    if (page.length === 0) return all;
    all.push(...page);
    checkpoint = nextCheckpoint(checkpoint, page);
  }
}

/** Whether every stream's changesets come in the order 1, 2, 3 ... */
function inStreamOrder(enumeration: readonly Changeset[]): boolean {
  const last = new Map<string, number>();
  return enumeration.every((c) => {
    const ok = c.changesetId === (last.get(c.streamId) ?? 0) + 1;
    last.set(c.streamId, c.changesetId);
    return ok;
  });
}

export function testGlobalEnumeration({ test }: SuiteContext): void {
  describe('global enumeration', () => {
    test('an empty store enumerates nothing', async (sut) => {
      await sut.settle?.();
      expect(await sut.store.readGlobal(0, 10)).toEqual([]);
      expect(await sut.store.readGlobal(5, 10)).toEqual([]);
    });

    test('checkpoints are gapless from 0 and each changeset appears exactly once', async (sut) => {
      const committed = await interleave(sut);
      const enumeration = await readEnumeration(sut);
      expect(enumeration.map((c) => c.checkpoint)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(sortedIdentities(enumeration)).toEqual(sortedIdentities(committed));
      const comparableSorted = (list: readonly Changeset[]) =>
        sortedByIdentity(list).map(comparable(sut.store));
      expect(comparableSorted(enumeration)).toEqual(comparableSorted(committed));
    });

    test('changeset n of a stream comes before changeset n + 1', async (sut) => {
      await interleave(sut);
      const enumeration = await readEnumeration(sut);
      expect(enumeration).toHaveLength(8);
      expect(inStreamOrder(enumeration)).toBe(true);
    });

    test('the enumeration is repeatable', async (sut) => {
      await interleave(sut);
      const first = await readEnumeration(sut);
      expect(first).toHaveLength(8);
      expect(await readEnumeration(sut)).toEqual(first);
    });

    test('reads from any checkpoint match the full enumeration', async (sut) => {
      await interleave(sut);
      const all = await readEnumeration(sut);
      expect(await sut.store.readGlobal(3, 2)).toEqual(all.slice(3, 5));
      expect(await sut.store.readGlobal(6, 10)).toEqual(all.slice(6));
    });

    test('paging by checkpoint and limit reproduces the full read', async (sut) => {
      await interleave(sut);
      const all = await readEnumeration(sut);
      expect(all).toHaveLength(8);
      for (const limit of [1, 3, 7, 1000]) {
        expect(await readPaged(sut, limit)).toEqual(all);
      }
    });

    test('concurrent commits keep call order when the store says they do', async (sut) => {
      const { store } = sut;
      // Called one after another without waiting: streams interleaved, a stream's next
      // changeset called while its previous one is still in flight.
      const calls = Array.from({ length: 24 }, (_, index) => ({
        streamId: `ordered-${index % 5}`,
        changesetId: Math.floor(index / 5) + 1,
      }));
      const results = await Promise.all(
        calls.map(({ streamId, changesetId }) =>
          store.commit({
            streamId,
            expectation: afterChangeset(changesetId - 1),
            events: [{ streamId, changesetId }],
            metadata: {},
          }),
        ),
      );
      if (!store.capabilities.checkpointsInCallOrder) return;
      expect(results.map((result) => result.status)).toEqual(calls.map(() => 'committed'));
      const enumeration = await readEnumeration(sut);
      expect(enumeration.map(({ streamId, changesetId }) => ({ streamId, changesetId }))).toEqual(
        calls,
      );
    });

    test('a checkpoint past the end reads nothing', async (sut) => {
      await interleave(sut);
      await sut.settle?.();
      expect(await sut.store.readGlobal(8, 10)).toEqual([]);
      expect(await sut.store.readGlobal(1000, 10)).toEqual([]);
    });

    test('the enumerated checkpoint is the one the changeset carries', async (sut) => {
      const { store } = sut;
      const committed = await interleave(sut);
      const enumeration = await readEnumeration(sut);
      if (store.capabilities.checkpointsAtCommit) {
        expect(committed.map((c) => c.checkpoint)).not.toContain(null);
        expect(sortedIdentities(committed)).toEqual(sortedIdentities(enumeration));
        const atCommit = new Map(committed.map((c) => [identityOf(c), c.checkpoint]));
        for (const c of enumeration) expect(atCommit.get(identityOf(c))).toBe(c.checkpoint);
      }
      for (const streamId of ['a', 'b', 'c']) {
        const read = (await store.readChangesets(streamId, {})) ?? [];
        expect(read.map((c) => c.checkpoint)).toEqual(
          enumeration.filter((c) => c.streamId === streamId).map((c) => c.checkpoint),
        );
      }
    });

    test('a commit after a full read continues the enumeration', async (sut) => {
      await interleave(sut);
      const before = await readEnumeration(sut);
      await commitEvents(sut.store, 'd', NEW_STREAM, [{ late: true }]);
      const after = await readEnumeration(sut);
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after.slice(before.length).map((c) => [c.streamId, c.checkpoint])).toEqual([['d', 8]]);
    });

    test('a page bounded in bytes ends with the changeset that reaches the bound', async (sut) => {
      // Each changeset takes 1012 characters as stored JSON text: `[{"p":"…"}]` with 1000 x's
      // (1010) and the metadata `{}` (2).
      for (let i = 0; i < 5; i++) {
        await commitEvents(sut.store, `big-${i}`, NEW_STREAM, [{ p: 'x'.repeat(1000) }]);
      }
      await sut.settle?.();
      const all = await sut.store.readGlobal(0, 10);
      expect(all).toHaveLength(5);
      const cases: [maxBytes: number, length: number][] = [
        [1, 1],
        [1012, 1],
        [1013, 2],
        [2500, 3],
        [5060, 5],
        [1e9, 5],
      ];
      for (const [maxBytes, length] of cases) {
        expect(await sut.store.readGlobal(0, 10, maxBytes)).toEqual(all.slice(0, length));
        expect(await readGlobalText(sut.store, 0, 10, maxBytes)).toEqual(
          all.slice(0, length).map(toChangesetText),
        );
      }
      // The count still bounds the page, and a page from any checkpoint follows the same rule.
      expect(await sut.store.readGlobal(0, 2, 1e9)).toEqual(all.slice(0, 2));
      expect(await sut.store.readGlobal(3, 10, 1013)).toEqual(all.slice(3, 5));
      expect(await sut.store.readGlobal(5, 10, 1)).toEqual([]);
    });

    test('the enumeration as stored text is the enumeration serialised, character for character', async (sut) => {
      // JSON that a careless text path would change: escapes, non-ASCII, a lone surrogate,
      // `__proto__` as a key, exponents and negative zero, deep nesting, empty containers.
      const tricky = JSON.parse(
        '{"quote":"\\"\\\\/\\b\\f\\n\\r\\t","unicode":"é€😀\\u2028\\ud800","__proto__":{"x":1},' +
          '"numbers":[1e21,1.5e-7,-0,0.1,9007199254740993,-12.50],"nested":{"a":[[[]],{}]},"empty":""}',
      ) as JsonObject;
      await interleave(sut);
      await commitEvents(sut.store, 'tricky', NEW_STREAM, [tricky, { second: [tricky] }], {
        note: 'ünïcode \u0000 metadata',
        tricky,
      });
      await sut.settle?.();
      const parsed = await readEnumeration(sut);
      expect(parsed).toHaveLength(9);
      for (const limit of [1, 4, 100]) {
        const text = [];
        for (let checkpoint = 0; checkpoint < parsed.length; checkpoint += limit) {
          const page = await readGlobalText(sut.store, checkpoint, limit);
          expect(page.length).toBeLessThanOrEqual(limit);
          text.push(...page);
        }
        expect(text).toEqual(parsed.map(toChangesetText));
      }
    });
  });
}

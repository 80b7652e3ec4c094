import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createGlobalIndexer } from '../../src/stores/postgres/global-indexer.js';
import type { IndexPassResult } from '../../src/stores/postgres/indexer.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** An indexer over a fake pass that counts its calls and assigns one checkpoint each. */
function countingIndexer(minPassIntervalMs: number) {
  let passes = 0;
  const pass = (): Promise<IndexPassResult> => {
    passes++;
    return Promise.resolve({ locked: true, assigned: 1, streams: ['s'], position: passes });
  };
  const indexer = createGlobalIndexer({
    pass,
    batchSize: 100,
    pollIntervalMs: 60_000,
    minPassIntervalMs,
  });
  return { indexer, passes: () => passes };
}

describe('global indexer scheduling', () => {
  it('runs a kick after a quiet spell at once', async () => {
    const { indexer, passes } = countingIndexer(60_000);
    indexer.kick();
    await nextTurn();
    expect(passes()).toBe(1);
    await indexer.stop();
  });

  it('under a stream of kicks, starts passes at most once per interval', async () => {
    const { indexer, passes } = countingIndexer(100);
    const started = performance.now();
    while (performance.now() - started < 350) {
      indexer.kick();
      await sleep(2);
    }
    const elapsed = performance.now() - started;
    // One pass per kick would be well over a hundred; one per interval, a handful.
    expect(passes()).toBeGreaterThanOrEqual(2);
    expect(passes()).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 1);
    await indexer.stop();
  });

  it('stops at once, without running a pass that was waiting for its turn', async () => {
    const { indexer, passes } = countingIndexer(600_000);
    indexer.kick();
    await nextTurn();
    indexer.kick();
    await nextTurn();
    // Would wait ten minutes for the waiting pass if stopping did not cut the wait short.
    await indexer.stop();
    expect(passes()).toBe(1);
  });
});

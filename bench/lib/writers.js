/** What the commit benchmarks share: writers that commit round-robin, and their latencies. */
import { performance } from 'node:perf_hooks';
import { CHANGESET_WORKLOAD, EVENTS, METADATA } from './workload.js';

export const streamId = (index) => `bench-${index}`;

/** A database URL with its password masked, for messages. */
export const redactUrl = (url) => url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');

/** Quantiles of a list of milliseconds, rounded to 0.01 ms. */
export function quantiles(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (ms) => Math.round(ms * 100) / 100;
  return { p50_ms: round(at(0.5)), p99_ms: round(at(0.99)), max_ms: round(at(1)) };
}

/** The store's commit of the next changeset of stream `index`, which must succeed. */
export function storeCommit(store, heads) {
  return async (index) => {
    const result = await store.commit({
      streamId: streamId(index),
      expectation: { kind: 'changeset', lastChangesetId: heads[index] },
      events: EVENTS,
      metadata: METADATA,
    });
    if (result.status !== 'committed') {
      throw new Error(`commit to ${streamId(index)} ended in ${result.status}`);
    }
    heads[index] = result.changeset.changesetId;
  };
}

/**
 * One side's writers: writer w commits round-robin to the streams whose index is w modulo
 * `writers`, so writers never meet and every expectation is right; where each one is survives
 * between slices. `commitOne(index)` commits to stream `index`. A failed commit leaves its
 * stream's head as it was and is counted apart.
 */
export function createWriters(side, writers, commitOne) {
  return {
    side,
    writers,
    commitOne,
    seconds: 0,
    latencies: [],
    errors: 0,
    firstError: undefined,
    cursors: Int32Array.from({ length: writers }, (_, w) => w),
  };
}

/** Runs the writers for `seconds`, adding to their tally. */
export async function runWriters(tally, seconds) {
  const { writers, cursors } = tally;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (performance.now() < end) {
        const before = performance.now();
        try {
          await tally.commitOne(cursors[w]);
          tally.latencies.push(performance.now() - before);
        } catch (error) {
          tally.errors++;
          tally.firstError ??= error instanceof Error ? error.message : String(error);
        }
        cursors[w] += writers;
        if (cursors[w] >= CHANGESET_WORKLOAD.streams) cursors[w] = w;
      }
    }),
  );
  tally.seconds += (performance.now() - started) / 1000;
}

/** Reading the whole global enumeration over HTTP, the way a projection rebuild does. */
import { performance } from 'node:perf_hooks';

const { fetch } = globalThis;

/** Changesets per page asked for: the server's default maximum. */
export const PAGE_SIZE = 1000;

/**
 * Reads the whole enumeration from checkpoint 0, one page after another, checking that the
 * checkpoints run gapless. `readPage(checkpoint)` returns the changesets (with `checkpoint`)
 * from there on, at most `PAGE_SIZE`. Resolves with how many changesets it read, how long it
 * took, and the rate.
 */
export async function enumerate(readPage) {
  const started = performance.now();
  let checkpoint = 0;
  for (;;) {
    const page = await readPage(checkpoint);
    if (page.length === 0) break;
    for (const changeset of page) {
      if (changeset.checkpoint !== checkpoint) {
        throw new Error(`checkpoint ${changeset.checkpoint} where ${checkpoint} was expected`);
      }
      checkpoint++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    changesets: checkpoint,
    page_size: PAGE_SIZE,
    seconds: Math.round(seconds * 1000) / 1000,
    changesets_per_second: Math.round(checkpoint / seconds),
  };
}

/** The same through `GET /changesets` of the server at `url`. */
export const enumerateOverHttp = (url) =>
  enumerate(async (checkpoint) => {
    const response = await fetch(`${url}/changesets?checkpoint=${checkpoint}&limit=${PAGE_SIZE}`);
    if (response.status !== 200) throw new Error(`GET /changesets answered ${response.status}`);
    return (await response.json()).changesets;
  });

/** The enumeration's target rate over HTTP, on SQLite and on PostgreSQL alike. */
export const ENUMERATION_TARGET = 100_000;

/** "(target ≥ 100000: met)" and the like, for one measured figure. */
export const targetNote = (value, target, atMost = false) =>
  ` (target ${atMost ? '≤' : '≥'} ${target}: ${(atMost ? value <= target : value >= target) ? 'met' : 'NOT met'})`;

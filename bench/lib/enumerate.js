/** Reading the whole global enumeration over HTTP, the way a projection rebuild does. */
import { performance } from 'node:perf_hooks';

const { fetch } = globalThis;

/** Changesets per page asked for: the server's default maximum. */
export const PAGE_SIZE = 1000;

/**
 * Pages through `GET /changesets` from checkpoint 0 to the end, one page after another, and
 * checks that the checkpoints run gapless. Resolves with how many changesets it read, how long
 * it took, and the rate.
 */
export async function enumerateOverHttp(url) {
  const started = performance.now();
  let checkpoint = 0;
  for (;;) {
    const response = await fetch(`${url}/changesets?checkpoint=${checkpoint}&limit=${PAGE_SIZE}`);
    if (response.status !== 200) throw new Error(`GET /changesets answered ${response.status}`);
    const page = await response.json();
    if (page.changesets.length === 0) break;
    for (const changeset of page.changesets) {
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

/** The enumeration's target rate over HTTP, on SQLite and on PostgreSQL alike. */
export const ENUMERATION_TARGET = 100_000;

/** "(target ≥ 100000: met)" and the like, for one measured figure. */
export const targetNote = (value, target, atMost = false) =>
  ` (target ${atMost ? '≤' : '≥'} ${target}: ${(atMost ? value <= target : value >= target) ? 'met' : 'NOT met'})`;

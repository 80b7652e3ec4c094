/** Reading the whole global enumeration over HTTP, the way a projection rebuild does. */
import { performance } from 'node:perf_hooks';
import { createClient } from '../../dist/client/index.js';

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
  return rate(checkpoint, started);
}

function rate(changesets, started) {
  const seconds = (performance.now() - started) / 1000;
  return {
    changesets,
    page_size: PAGE_SIZE,
    seconds: Math.round(seconds * 1000) / 1000,
    changesets_per_second: Math.round(changesets / seconds),
  };
}

/**
 * The same through `GET /changesets` of the server at `url`, with the client SDK's `enumerate`,
 * as a projection rebuild would read it: it asks for the next page as soon as the current one's
 * headers arrive, so the server produces a page while the client parses the previous one.
 */
export async function enumerateOverHttp(url) {
  const client = createClient({ url });
  const started = performance.now();
  let checkpoint = 0;
  for await (const changeset of client.enumerate({ pageSize: PAGE_SIZE })) {
    if (changeset.checkpoint !== checkpoint) {
      throw new Error(`checkpoint ${changeset.checkpoint} where ${checkpoint} was expected`);
    }
    checkpoint++;
  }
  return rate(checkpoint, started);
}

/**
 * `enumerateOverHttp` as a long rebuild sees it: one unmeasured pass first (JIT warm-up in
 * both processes, the database's pages in the cache), then `passes` measured ones; reports the
 * median pass, with every pass's rate beside it.
 */
export async function measureEnumerationOverHttp(url, passes = 3) {
  await enumerateOverHttp(url);
  const runs = [];
  for (let pass = 0; pass < passes; pass++) runs.push(await enumerateOverHttp(url));
  runs.sort((a, b) => a.changesets_per_second - b.changesets_per_second);
  const median = runs[Math.floor(runs.length / 2)];
  return {
    ...median,
    passes: runs.length,
    pass_rates: runs.map((run) => run.changesets_per_second),
  };
}

/** The enumeration's target rate over HTTP, on SQLite and on PostgreSQL alike. */
export const ENUMERATION_TARGET = 100_000;

/** "(target ≥ 100000: met)" and the like, for one measured figure. */
export const targetNote = (value, target, atMost = false) =>
  ` (target ${atMost ? '≤' : '≥'} ${target}: ${(atMost ? value <= target : value >= target) ? 'met' : 'NOT met'})`;

import type { Checkpoint } from './types.js';

/**
 * Where a reader continues after a page of the global enumeration: right after the last
 * checkpoint it received, or where it started when the page was empty.
 */
export const nextCheckpoint = (
  requested: Checkpoint,
  page: readonly { readonly checkpoint: Checkpoint }[],
): Checkpoint => {
  const last = page.at(-1);
  return last === undefined ? requested : last.checkpoint + 1;
};

/**
 * The response header of `GET /changesets` that repeats the body's `next_checkpoint`: it
 * arrives before the body, so a reader can ask for the next page while this one still loads.
 */
export const NEXT_CHECKPOINT_HEADER = 'EES-Next-Checkpoint';

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IndexPassResult } from './indexer.js';

export interface GlobalIndexerOptions {
  /** One indexer pass (see `indexer.ts`); `wait` says whether to queue for the lock. */
  readonly pass: (wait: boolean) => Promise<IndexPassResult>;
  /** Most checkpoints one pass assigns; a full batch means more may be waiting. */
  readonly batchSize: number;
  /** How often to look for commits made by other instances, which never kick this one. */
  readonly pollIntervalMs: number;
  /**
   * Least time between the starts of two kicked passes, in milliseconds. A kick right after a
   * pass waits for the rest of it, and the commits made meanwhile are indexed together: under
   * load one pass covers many commits instead of one each. A kick after a quiet spell runs at
   * once.
   */
  readonly minPassIntervalMs: number;
  /**
   * Told when the enumeration has grown since this instance last looked, whoever indexed it:
   * with the streams concerned when all of the growth is this instance's pass, otherwise
   * `undefined` (any stream).
   */
  readonly onAdvance?: (streamIds: readonly string[] | undefined) => void;
}

/** Runs the indexer inside a store: after local commits, on a timer, and on demand. */
export interface GlobalIndexer {
  /**
   * Asks for a catch-up soon. Debounced: while one is queued and not started, further kicks
   * add nothing, since the queued one will see their commits too.
   */
  kick(): void;
  /**
   * Catches up with every commit acknowledged before the call, waiting for passes of other
   * instances if need be. Resolves with how many checkpoints this instance assigned.
   */
  indexNow(): Promise<number>;
  /** Stops the timer and waits for the running pass. Nothing runs afterwards. */
  stop(): Promise<void>;
}

/**
 * Schedules indexer passes so that within one instance they never overlap (one promise chain),
 * and across instances the indexer lock makes them take turns. A background catch-up that finds
 * the lock taken stops: the holder indexes what is visible, and the poll takes the rest.
 *
 * Background failures (the database being away) are swallowed on purpose: the next kick or
 * poll retries, and requests report the outage themselves as 503s.
 */
export function createGlobalIndexer(options: GlobalIndexerOptions): GlobalIndexer {
  const { pass, batchSize } = options;
  let chain: Promise<unknown> = Promise.resolve();
  let queued = false;
  let stopped = false;
  let position: number | undefined;
  let lastPassStart = Number.NEGATIVE_INFINITY;
  /** Cuts short a kicked pass's wait for its turn. */
  const stopping = new AbortController();

  const observe = ({ assigned, streams, position: reached }: IndexPassResult): void => {
    if (position !== undefined && reached <= position) return;
    const ours = position !== undefined && reached - position === assigned;
    position = reached;
    options.onAdvance?.(ours ? streams : undefined);
  };

  /** Runs passes until one finds fewer rows than a batch, i.e. it saw every visible row. */
  const catchUp = async (wait: boolean): Promise<number> => {
    let total = 0;
    for (;;) {
      const result = await pass(wait);
      observe(result);
      total += result.assigned;
      if (!result.locked || result.assigned < batchSize || stopped) return total;
    }
  };

  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work);
    chain = run.catch(() => undefined);
    return run;
  };

  const kick = (): void => {
    if (stopped || queued) return;
    queued = true;
    void enqueue(async () => {
      const wait = lastPassStart + options.minPassIntervalMs - performance.now();
      // Still queued while it waits: kicks meanwhile add nothing, this pass will see them.
      if (wait > 0 && !stopped) {
        await sleep(wait, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
      queued = false;
      if (stopped) return 0;
      lastPassStart = performance.now();
      return catchUp(false);
    }).catch(() => undefined);
  };

  const timer = setInterval(kick, options.pollIntervalMs);
  // The poll alone must not keep a process alive that has nothing else to do.
  timer.unref();

  return {
    kick,
    indexNow: () => enqueue(() => catchUp(true)),
    async stop() {
      stopped = true;
      stopping.abort();
      clearInterval(timer);
      await chain;
    },
  };
}

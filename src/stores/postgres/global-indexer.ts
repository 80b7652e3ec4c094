import type { IndexPassResult } from './indexer.js';

export interface GlobalIndexerOptions {
  /** One indexer pass (see `indexer.ts`); `wait` says whether to queue for the lock. */
  readonly pass: (wait: boolean) => Promise<IndexPassResult>;
  /** Most checkpoints one pass assigns; a full batch means more may be waiting. */
  readonly batchSize: number;
  /** How often to look for commits made by other instances, which never kick this one. */
  readonly pollIntervalMs: number;
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
    void enqueue(() => {
      queued = false;
      return stopped ? Promise.resolve(0) : catchUp(false);
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
      clearInterval(timer);
      await chain;
    },
  };
}

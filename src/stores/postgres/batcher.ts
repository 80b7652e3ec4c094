export interface BatcherOptions<T> {
  /** Most batches running at once; further items wait and form the next batches. */
  readonly maxInFlight: number;
  /** Most items in one batch. */
  readonly maxBatch: number;
  /** Items with the same key never share a batch: the later one waits for the next. */
  readonly key: (item: T) => string;
  /**
   * An item that waited longer than this for a batch fails with `expired()` instead of
   * running: while the running batches are held up (a lock, a slow database), the items queued
   * behind them would otherwise add their own wait to it, generation after generation.
   */
  readonly maxWaitMs?: number;
  readonly expired?: (waitedMs: number) => unknown;
  /** The clock `maxWaitMs` is measured with; tests pin it. Default `performance.now`. */
  readonly now?: () => number;
}

interface Waiting<T, R> {
  readonly item: T;
  readonly key: string;
  readonly since: number;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs items in batches, with at most `maxInFlight` batches running at once. An item that
 * arrives while fewer batches run starts at once, alone: nothing waits for a timer, and an idle
 * store answers as fast as without batching. Items that arrive while every slot is busy wait,
 * and the first slot to free up takes all of them (up to `maxBatch`) in one batch. So batches
 * grow with the load, by themselves.
 *
 * `run` answers each item of a batch in order; when it fails, every item of the batch fails
 * with its error.
 */
export function createBatcher<T, R>(
  run: (items: readonly T[]) => Promise<readonly R[]>,
  options: BatcherOptions<T>,
): (item: T) => Promise<R> {
  const { maxInFlight, maxBatch, key, maxWaitMs = Infinity } = options;
  const now = options.now ?? (() => performance.now());
  const expired =
    options.expired ?? ((waitedMs: number) => new Error(`Waited ${waitedMs} ms for a batch`));
  const waiting: Waiting<T, R>[] = [];
  let inFlight = 0;

  /**
   * The next batch: the oldest waiting items, one per key, in the order they came. Items that
   * waited too long fail on the way.
   */
  const takeBatch = (): Waiting<T, R>[] => {
    const batch: Waiting<T, R>[] = [];
    const keys = new Set<string>();
    const time = now();
    let kept = 0;
    for (const entry of waiting) {
      const waited = time - entry.since;
      if (waited > maxWaitMs) {
        entry.reject(expired(Math.round(waited)));
      } else if (batch.length < maxBatch && !keys.has(entry.key)) {
        keys.add(entry.key);
        batch.push(entry);
      } else {
        waiting[kept++] = entry;
      }
    }
    waiting.length = kept;
    return batch;
  };

  const settle = (batch: readonly Waiting<T, R>[], results: readonly R[]): void => {
    batch.forEach((entry, index) => {
      const result = results[index];
      if (result === undefined) entry.reject(new Error('A batch returned no result for an item'));
      else entry.resolve(result);
    });
  };

  const pump = (): void => {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = takeBatch();
      if (batch.length === 0) continue;
      inFlight++;
      run(batch.map((entry) => entry.item))
        .then(
          (results) => {
            settle(batch, results);
          },
          (error: unknown) => {
            for (const entry of batch) entry.reject(error);
          },
        )
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, key: key(item), since: now(), resolve, reject });
      pump();
    });
}

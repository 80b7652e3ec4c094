import type { CommitRequest, CommitResult } from '../../core/index.js';
import type { CommitOutcome } from './commit.js';

export interface GroupCommitOptions {
  /** Most commits written in one transaction. Default 512. */
  readonly maxBatch?: number;
}

/** How long a batch refused for a lock is tried again, and how often. */
export interface BusyRetry {
  /** Whether the transaction failed for a lock (nothing was written, so trying again is safe). */
  readonly isBusy: (error: unknown) => boolean;
  /** Give up (and fail the batch's commits) this long after the first refusal. */
  readonly forMs: number;
  /** Pause between attempts; the event loop runs meanwhile. */
  readonly everyMs: number;
}

interface Waiting {
  readonly request: CommitRequest;
  readonly resolve: (result: CommitResult) => void;
  readonly reject: (error: unknown) => void;
  /** When its batch was first refused for a lock. */
  busySince?: number;
}

/**
 * Group commit: commits that arrive while the previous transaction is being written wait for
 * the next turn of the event loop and are then written together, one transaction and one fsync
 * for all of them. better-sqlite3 blocks the thread for the whole transaction, fsync included,
 * so requests pile up while it runs and batches form by themselves: no timer and no added
 * latency when the store is idle. Each commit keeps its own expectation check and outcome, and
 * is acknowledged only once its batch is durable.
 */
export function createGroupCommit(
  commitBatch: (requests: readonly CommitRequest[]) => CommitOutcome[],
  options: GroupCommitOptions & {
    /** Maps a driver error to the port's (a lock held too long is a 503). */
    readonly toStoreError: (error: unknown) => unknown;
    /** Told which streams a batch committed to, once it is durable. */
    readonly onCommitted: (streamIds: readonly string[]) => void;
    /**
     * SQLite waits out another connection's lock for its busy timeout, but in some states it
     * refuses at once (seen: a fresh file's first commits racing the checkpointer's first
     * pass). Such a batch is put back and tried again shortly, instead of failing its commits.
     */
    readonly busyRetry?: BusyRetry;
  },
): {
  readonly commit: (request: CommitRequest) => Promise<CommitResult>;
  /** Writes whatever is waiting now (before the store closes). */
  readonly flush: () => void;
} {
  const maxBatch = options.maxBatch ?? 512;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) {
    throw new Error(`Invalid group commit maxBatch ${maxBatch} (expected an integer ≥ 1)`);
  }
  const waiting: Waiting[] = [];
  let scheduled = false;

  /** Writes the next batch; `false` when it was put back to be tried again after a pause. */
  const writeBatch = (mayRetry: boolean): boolean => {
    const batch = waiting.splice(0, maxBatch);
    if (batch.length === 0) return true;
    let outcomes: CommitOutcome[];
    try {
      outcomes = commitBatch(batch.map((entry) => entry.request));
    } catch (error) {
      // The transaction itself failed (a lock, a full disk): nothing was written.
      const retry = options.busyRetry;
      if (mayRetry && retry?.isBusy(error) === true) {
        const now = Date.now();
        const since = batch[0]?.busySince ?? now;
        if (now - since < retry.forMs) {
          for (const entry of batch) entry.busySince ??= since;
          waiting.unshift(...batch);
          return false;
        }
      }
      const failure = options.toStoreError(error);
      for (const entry of batch) entry.reject(failure);
      return true;
    }
    const committed: string[] = [];
    batch.forEach((entry, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) {
        entry.reject(new Error('The batch returned no outcome for a commit'));
        return;
      }
      if (!outcome.ok) {
        entry.reject(options.toStoreError(outcome.error));
        return;
      }
      if (outcome.result.status === 'committed') committed.push(entry.request.streamId);
      entry.resolve(outcome.result);
    });
    if (committed.length > 0) options.onCommitted(committed);
    return true;
  };

  const run = (): void => {
    scheduled = false;
    if (!writeBatch(true)) {
      // Refused for a lock: try again after a pause, commits arriving meanwhile joining in.
      scheduled = true;
      setTimeout(run, options.busyRetry?.everyMs ?? 0);
      return;
    }
    if (waiting.length > 0) schedule();
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(run);
  };

  return {
    commit: (request) =>
      new Promise<CommitResult>((resolve, reject) => {
        waiting.push({ request, resolve, reject });
        schedule();
      }),
    flush: () => {
      while (waiting.length > 0) writeBatch(false);
    },
  };
}

import type { EventStore } from '../core/index.js';

/** Wake-ups for one subscriber: was anything relevant committed since it last looked? */
export interface ChangeWatch {
  /** Forget earlier wake-ups: call right before reading the store. */
  readonly reset: () => void;
  /**
   * Resolves at once if something relevant changed since `reset`, otherwise on the next
   * relevant change, after `timeoutMs` (the safety-net poll), or when `signal` aborts.
   */
  readonly wait: (timeoutMs: number, signal: AbortSignal) => Promise<void>;
  readonly close: () => void;
}

/**
 * Watches the store for changes to one stream (or to any, when `streamId` is undefined).
 * Registering before the first read and resetting before each later read means a commit can
 * never slip between "read found nothing" and "start waiting".
 */
export function watchChanges(store: EventStore, streamId: string | undefined): ChangeWatch {
  let pending = false;
  let wake: (() => void) | undefined;
  const unwatch = store.watch?.((streamIds) => {
    if (streamId !== undefined && streamIds !== undefined && !streamIds.includes(streamId)) return;
    pending = true;
    wake?.();
  });
  return {
    reset: () => {
      pending = false;
    },
    wait: (timeoutMs, signal) => {
      if (pending || signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal.addEventListener('abort', done, { once: true });
        wake = done;
      });
    },
    close: () => {
      unwatch?.();
    },
  };
}

/** What a periodic task reports and how often it runs. */
export interface PeriodicOptions {
  /** Pause between the end of one pass and the start of the next, in milliseconds. */
  readonly intervalMs: number;
  /** Told about a failed pass; the next pass still runs on schedule. */
  readonly onError: (error: unknown) => void;
}

/** A running periodic task. */
export interface PeriodicTask {
  /**
   * Cancels the next pass, aborts the signal of the pass in progress (if any) and resolves once
   * that pass has returned.
   */
  stop(): Promise<void>;
}

/**
 * Runs `task` now, then again `intervalMs` after each pass ends. Scheduling from the end of a
 * pass (not on a fixed clock) means two passes never overlap, however slow one is, and a store
 * that is falling behind is not hammered with queued passes. A long pass (a first catch-up over
 * a large store) should watch the signal it is given, so that `stop` need not wait for it to
 * finish everything.
 *
 * The timer is unref'd: a periodic task alone never keeps the process alive, so whatever owns
 * the process (an HTTP server, a test) decides when it ends.
 *
 * @example
 * const task = runPeriodically(() => catchUp(), { intervalMs: 60_000, onError: console.error });
 * // ...
 * await task.stop();
 */
export function runPeriodically(
  task: (signal: AbortSignal) => Promise<unknown>,
  options: PeriodicOptions,
): PeriodicTask {
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const pass = (): void => {
    timer = undefined;
    running = (async () => {
      try {
        await task(stopping.signal);
      } catch (error) {
        options.onError(error);
      }
      if (!stopping.signal.aborted) {
        timer = setTimeout(pass, options.intervalMs);
        timer.unref();
      }
    })();
  };

  pass();

  return {
    async stop(): Promise<void> {
      stopping.abort();
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}

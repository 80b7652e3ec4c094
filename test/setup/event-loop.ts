/**
 * Watches how long the event loop is held: a timer meant to fire every `everyMs`, and the gaps
 * between its ticks. Tests of work that must not block the loop (every other request would
 * wait) assert on them.
 */
export function watchEventLoop(everyMs: number): {
  /** Forgets what was seen so far: the watch starts again now. */
  restart(): void;
  /**
   * Stops watching. `longest`: the longest gap between two ticks; `running`: the time since
   * the last tick, a gap no tick has ended yet (work that held the loop until now).
   */
  stop(): { readonly longest: number; readonly running: number };
} {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, everyMs);
  return {
    restart: () => {
      last = performance.now();
      longest = 0;
    },
    stop: () => {
      clearInterval(timer);
      return { longest, running: performance.now() - last };
    },
  };
}

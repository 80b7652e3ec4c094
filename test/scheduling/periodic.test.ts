import { describe, expect, it } from 'vitest';
import { runPeriodically } from '../../src/scheduling/periodic.js';
import { waitFor } from '../runtime/wait-for.js';

/** A promise with its resolver, to hold a pass open for as long as a test needs. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('runPeriodically', () => {
  it('runs immediately and repeats', async () => {
    let passes = 0;
    const task = runPeriodically(
      () => {
        passes++;
        return Promise.resolve();
      },
      { intervalMs: 1, onError: () => undefined },
    );
    expect(passes).toBe(1);
    await waitFor(() => Promise.resolve(passes >= 3));
    await task.stop();
  });

  it('never overlaps passes, and stop waits for the pass in progress', async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let finished = 0;
    const task = runPeriodically(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await gate.promise;
        running--;
        finished++;
      },
      { intervalMs: 0, onError: () => undefined },
    );
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(1);
    expect(maxRunning).toBe(1);
  });

  it('stops scheduling after stop', async () => {
    let passes = 0;
    const task = runPeriodically(
      () => {
        passes++;
        return Promise.resolve();
      },
      { intervalMs: 1, onError: () => undefined },
    );
    await task.stop();
    const after = passes;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(passes).toBe(after);
  });

  it('passes errors to onError and goes on', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    const task = runPeriodically(
      () => {
        passes++;
        return Promise.reject(new Error(`pass ${passes}`));
      },
      { intervalMs: 1, onError: (error) => errors.push(error) },
    );
    await waitFor(() => Promise.resolve(errors.length >= 2));
    await task.stop();
    expect((errors[0] as Error).message).toBe('pass 1');
  });
});

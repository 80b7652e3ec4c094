import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../src/stores/postgres/batcher.js';

/** A batch runner whose batches finish when the test says so. */
function controlledRunner() {
  const batches: string[][] = [];
  const finishers: (() => void)[] = [];
  let running = 0;
  let mostRunning = 0;
  const run = (items: readonly string[]): Promise<string[]> => {
    batches.push([...items]);
    running++;
    mostRunning = Math.max(mostRunning, running);
    return new Promise((resolve) => {
      finishers.push(() => {
        running--;
        resolve(items.map((item) => `done ${item}`));
      });
    });
  };
  /** Finishes the oldest running batch and lets the batcher react. */
  const finishOne = async (): Promise<void> => {
    finishers.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { run, batches, finishOne, mostRunning: () => mostRunning };
}

const byKey = (item: string): string => item.split(':')[0] ?? item;

describe('createBatcher', () => {
  it('runs an item at once, alone, when a slot is free', async () => {
    const runner = controlledRunner();
    const submit = createBatcher(runner.run, { maxInFlight: 2, maxBatch: 10, key: byKey });
    const answer = submit('a');
    expect(runner.batches).toEqual([['a']]);
    await runner.finishOne();
    await expect(answer).resolves.toBe('done a');
  });

  it('gathers what arrives while every slot is busy into the next batch, in order', async () => {
    const runner = controlledRunner();
    const submit = createBatcher(runner.run, { maxInFlight: 2, maxBatch: 10, key: byKey });
    const answers = ['a', 'b', 'c', 'd', 'e'].map(submit);
    expect(runner.batches).toEqual([['a'], ['b']]);
    await runner.finishOne();
    expect(runner.batches).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    await runner.finishOne();
    await runner.finishOne();
    await expect(Promise.all(answers)).resolves.toEqual(
      ['a', 'b', 'c', 'd', 'e'].map((item) => `done ${item}`),
    );
    expect(runner.mostRunning()).toBe(2);
  });

  it('keeps items with one key in separate batches, and batches within maxBatch', async () => {
    const runner = controlledRunner();
    const submit = createBatcher(runner.run, { maxInFlight: 1, maxBatch: 3, key: byKey });
    const answers = ['x:1', 'a:1', 'b:1', 'a:2', 'c:1', 'd:1', 'a:3'].map(submit);
    for (let batch = 0; batch < 4; batch++) await runner.finishOne();
    expect(runner.batches).toEqual([['x:1'], ['a:1', 'b:1', 'c:1'], ['a:2', 'd:1'], ['a:3']]);
    await expect(Promise.all(answers)).resolves.toHaveLength(7);
  });

  it('fails every item of a failed batch, and carries on with the next', async () => {
    let calls = 0;
    const submit = createBatcher(
      (items: readonly string[]) =>
        ++calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve(items.map((i) => i)),
      { maxInFlight: 1, maxBatch: 10, key: byKey },
    );
    const [a, b] = [submit('a'), submit('b')];
    await expect(a).rejects.toThrow('down');
    await expect(b).resolves.toBe('b');
  });

  it('fails an item its batch gave no answer for', async () => {
    const submit = createBatcher(() => Promise.resolve([]), {
      maxInFlight: 1,
      maxBatch: 10,
      key: byKey,
    });
    await expect(submit('a')).rejects.toThrow('no result');
  });

  it('fails an item that waited longer than maxWaitMs instead of running it', async () => {
    const runner = controlledRunner();
    let time = 0;
    const submit = createBatcher(runner.run, {
      maxInFlight: 1,
      maxBatch: 10,
      key: byKey,
      maxWaitMs: 100,
      expired: (waited) => new Error(`expired after ${waited} ms`),
      now: () => time,
    });
    const first = submit('a:1');
    // Its outcome, caught at once: it fails while the test waits on the first batch.
    const late = submit('a:2').then(
      () => 'ran',
      (error: unknown) => String(error),
    );
    time = 60;
    const fresh = submit('b:1');
    time = 150;
    // The slot frees up: a:2 waited 150 ms and fails unsent, b:1 (90 ms) runs.
    await runner.finishOne();
    await expect(first).resolves.toBe('done a:1');
    expect(await late).toBe('Error: expired after 150 ms');
    expect(runner.batches).toEqual([['a:1'], ['b:1']]);
    await runner.finishOne();
    await expect(fresh).resolves.toBe('done b:1');
  });
});

import { describe, expect, it, vi } from 'vitest';
import { NEW_STREAM } from '../../src/core/index.js';
import { deferredStore, lazily } from '../../src/lambda/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';

const capabilities = {
  checkpointsAtCommit: false,
  sharedAcrossProcesses: true,
  checkpointsInCallOrder: false,
};

describe('deferred opening', () => {
  it('opens once, shares the result, and tries again after a failure', async () => {
    let attempts = 0;
    const open = lazily(() =>
      ++attempts === 1 ? Promise.reject(new Error('cold')) : Promise.resolve(attempts),
    );
    await expect(open()).rejects.toThrow('cold');
    expect(await Promise.all([open(), open()])).toEqual([2, 2]);
    expect(attempts).toBe(2);
  });

  it('opens the store on first use only, then serves from it', async () => {
    const inner = createMemoryStore();
    const closed = vi.spyOn(inner, 'close');
    let opened = 0;
    const store = deferredStore(() => {
      opened++;
      return Promise.resolve(inner);
    }, capabilities);
    expect(store.capabilities).toBe(capabilities);
    expect(opened).toBe(0);
    const result = await store.commit({
      streamId: 's',
      expectation: NEW_STREAM,
      events: [{}],
      metadata: {},
    });
    expect(result.status).toBe('committed');
    expect(await store.readChangesets('s', {})).toHaveLength(1);
    expect(opened).toBe(1);
    await store.close();
    expect(closed).toHaveBeenCalledOnce();
  });

  it('closes without opening a store it never used', async () => {
    let opened = 0;
    const store = deferredStore(() => {
      opened++;
      return Promise.resolve(createMemoryStore());
    }, capabilities);
    await store.close();
    expect(opened).toBe(0);
  });
});

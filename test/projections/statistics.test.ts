import { describe, expect, it } from 'vitest';
import type { EventStore, JsonObject } from '../../src/core/index.js';
import { STATISTICS_PROJECTION } from '../../src/core/index.js';
import { catchUpStatistics, startStatisticsProjector } from '../../src/projections/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { waitFor } from '../runtime/wait-for.js';

/** Commits `eventCounts.length` changesets to `streamId`, the n-th holding `eventCounts[n]` events. */
async function commitTo(store: EventStore, streamId: string, eventCounts: number[]): Promise<void> {
  const head = (await store.readChangesets(streamId, {}))?.length ?? 0;
  for (const [index, count] of eventCounts.entries()) {
    const events: JsonObject[] = Array.from({ length: count }, (_, n) => ({ n }));
    const result = await store.commit({
      streamId,
      expectation: { kind: 'changeset', lastChangesetId: head + index },
      events,
      metadata: {},
    });
    expect(result.status).toBe('committed');
  }
}

describe('catchUpStatistics', () => {
  it('writes zeros for an empty store, once', async () => {
    const store = createMemoryStore();
    const result = await catchUpStatistics(store);
    const zeros = {
      checkpoint: 0,
      state: { totalStreams: 0, totalChangesets: 0, totalEvents: 0, maxStreamLength: 0 },
    };
    expect(result).toEqual(zeros);
    expect(await store.readProjection(STATISTICS_PROJECTION)).toEqual(zeros);
    expect(await catchUpStatistics(store)).toEqual(zeros);
  });

  it('counts streams, changesets, events and the longest stream', async () => {
    const store = createMemoryStore();
    await commitTo(store, 'a', [1, 2, 3]);
    await commitTo(store, 'b', [4]);
    const expected = {
      checkpoint: 4,
      state: { totalStreams: 2, totalChangesets: 4, totalEvents: 10, maxStreamLength: 3 },
    };
    expect(await catchUpStatistics(store, { pageSize: 3 })).toEqual(expected);
    expect(await store.readProjection(STATISTICS_PROJECTION)).toEqual(expected);
  });

  it('saves progress after every page', async () => {
    const store = createMemoryStore();
    await commitTo(store, 'a', [1, 1, 1, 1, 1]);
    const saved: number[] = [];
    const recording: EventStore = {
      ...store,
      writeProjection: async (name, next, previous) => {
        const written = await store.writeProjection(name, next, previous);
        if (written) saved.push(next.checkpoint);
        return written;
      },
    };
    await catchUpStatistics(recording, { pageSize: 2 });
    expect(saved).toEqual([2, 4, 5]);
  });

  it('resumes from its persisted checkpoint without counting twice', async () => {
    const store = createMemoryStore();
    await commitTo(store, 'a', [2, 2]);
    await catchUpStatistics(store, { pageSize: 1 });
    await catchUpStatistics(store, { pageSize: 1 });
    await commitTo(store, 'a', [2]);
    await commitTo(store, 'b', [1]);
    const result = await catchUpStatistics(store, { pageSize: 1 });
    expect(result).toEqual({
      checkpoint: 4,
      state: { totalStreams: 2, totalChangesets: 4, totalEvents: 7, maxStreamLength: 3 },
    });
  });

  it('counts each changeset once when two runners race', async () => {
    const store = createMemoryStore();
    for (let stream = 0; stream < 20; stream++) await commitTo(store, `s${stream}`, [1, 2]);
    const expected = {
      checkpoint: 40,
      state: { totalStreams: 20, totalChangesets: 40, totalEvents: 60, maxStreamLength: 2 },
    };
    let lostRaces = 0;
    const counting: EventStore = {
      ...store,
      writeProjection: async (name, next, previous) => {
        const written = await store.writeProjection(name, next, previous);
        if (!written) lostRaces++;
        return written;
      },
    };
    const results = await Promise.all([
      catchUpStatistics(counting, { pageSize: 3 }),
      catchUpStatistics(counting, { pageSize: 7 }),
    ]);
    expect(lostRaces).toBeGreaterThan(0); // the runners really did collide
    expect(results).toEqual([expected, expected]);
    expect(await store.readProjection(STATISTICS_PROJECTION)).toEqual(expected);
  });

  it('ends after the page in progress once its signal is aborted', async () => {
    const store = createMemoryStore();
    await commitTo(store, 'a', [1, 1, 1, 1, 1]);
    const controller = new AbortController();
    const stopping: EventStore = {
      ...store,
      readGlobal: (checkpoint, limit, maxBytes) => {
        controller.abort();
        return store.readGlobal(checkpoint, limit, maxBytes);
      },
    };
    const result = await catchUpStatistics(stopping, { pageSize: 2, signal: controller.signal });
    expect(result.checkpoint).toBe(2);
    expect(await store.readProjection(STATISTICS_PROJECTION)).toEqual(result);
    expect((await catchUpStatistics(store)).checkpoint).toBe(5);
  });

  it('refuses to fold onto persisted state that is not statistics', async () => {
    const store = createMemoryStore();
    await store.writeProjection(STATISTICS_PROJECTION, { checkpoint: 0, state: 'junk' }, undefined);
    await expect(catchUpStatistics(store)).rejects.toThrow(/not statistics/);
  });
});

describe('startStatisticsProjector', () => {
  it('runs at once, then picks up later commits on its interval', async () => {
    const store = createMemoryStore();
    const errors: unknown[] = [];
    const projector = startStatisticsProjector(store, {
      intervalMs: 10,
      onError: (error) => errors.push(error),
    });
    try {
      await waitFor(async () => (await store.readProjection(STATISTICS_PROJECTION)) !== undefined);
      await commitTo(store, 'a', [3]);
      await waitFor(
        async () => (await store.readProjection(STATISTICS_PROJECTION))?.checkpoint === 1,
      );
    } finally {
      await projector.stop();
    }
    expect(errors).toEqual([]);
  });

  it('runs its passes under the store lease, and skips them while another instance holds it', async () => {
    const store = createMemoryStore();
    await commitTo(store, 'a', [2]);
    let leaseHeldElsewhere = true;
    const leases: string[] = [];
    const shared: EventStore = {
      ...store,
      runExclusive: async (name, work) => {
        leases.push(name);
        return leaseHeldElsewhere ? undefined : work();
      },
    };
    const projector = startStatisticsProjector(shared, {
      intervalMs: 10,
      onError: () => undefined,
    });
    try {
      await waitFor(() => Promise.resolve(leases.length >= 3));
      expect(await store.readProjection(STATISTICS_PROJECTION)).toBeUndefined();
      leaseHeldElsewhere = false;
      await waitFor(
        async () => (await store.readProjection(STATISTICS_PROJECTION))?.checkpoint === 1,
      );
    } finally {
      await projector.stop();
    }
    expect(new Set(leases)).toEqual(new Set([STATISTICS_PROJECTION]));
  });

  it('stops a long pass after its current page', async () => {
    const store = createMemoryStore();
    await commitTo(store, 'a', [1, 1, 1, 1, 1]);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    const slow: EventStore = {
      ...store,
      readGlobal: async (checkpoint, limit) => {
        reads++;
        await gate;
        return store.readGlobal(checkpoint, limit);
      },
    };
    const projector = startStatisticsProjector(slow, {
      pageSize: 1,
      intervalMs: 10,
      onError: () => undefined,
    });
    await waitFor(() => Promise.resolve(reads === 1));
    const stopped = projector.stop();
    release();
    await stopped;
    expect(reads).toBe(1);
    expect((await store.readProjection(STATISTICS_PROJECTION))?.checkpoint).toBe(1);
  });

  it('reports a failed pass and keeps running', async () => {
    const store = createMemoryStore();
    let failures = 0;
    const flaky: EventStore = {
      ...store,
      readGlobal: (checkpoint, limit, maxBytes) => {
        if (failures < 2) {
          failures++;
          return Promise.reject(new Error('store unavailable'));
        }
        return store.readGlobal(checkpoint, limit, maxBytes);
      },
    };
    const errors: unknown[] = [];
    const projector = startStatisticsProjector(flaky, {
      intervalMs: 10,
      onError: (error) => errors.push(error),
    });
    try {
      await waitFor(async () => (await store.readProjection(STATISTICS_PROJECTION)) !== undefined);
    } finally {
      await projector.stop();
    }
    expect(errors).toHaveLength(2);
  });
});

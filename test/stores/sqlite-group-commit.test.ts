import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommitRequest, CommitResult } from '../../src/core/index.js';
import { NEW_STREAM } from '../../src/core/index.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import type { CommitOutcome } from '../../src/stores/sqlite/commit.js';
import { createGroupCommit } from '../../src/stores/sqlite/group-commit.js';
import { waitFor } from '../runtime/wait-for.js';

const request = (streamId: string, metadata: Record<string, unknown> = {}): CommitRequest => ({
  streamId,
  expectation: NEW_STREAM,
  events: [{ type: 'created' }],
  metadata,
});

const committed = (changesetId: number): CommitResult => ({
  status: 'committed',
  changeset: {
    streamId: 's',
    changesetId,
    events: [],
    metadata: {},
    timestamp: '',
    firstEventId: 1,
    lastEventId: 1,
    checkpoint: 0,
  },
});

describe('group commit scheduling', () => {
  const options = { toStoreError: (error: unknown) => error, onCommitted: () => undefined };

  it('writes commits that arrive together as one batch, in arrival order', async () => {
    const batches: string[][] = [];
    const group = createGroupCommit((requests) => {
      batches.push(requests.map((r) => r.streamId));
      return requests.map((_, i): CommitOutcome => ({ ok: true, result: committed(i) }));
    }, options);
    const streams = Array.from({ length: 100 }, (_, i) => `s${i}`);
    await Promise.all(streams.map((s) => group.commit(request(s))));
    expect(batches).toEqual([streams]);
    await group.commit(request('later'));
    expect(batches).toEqual([streams, ['later']]);
  });

  it('never puts more than maxBatch commits in one transaction', async () => {
    const sizes: number[] = [];
    const group = createGroupCommit(
      (requests) => {
        sizes.push(requests.length);
        return requests.map((): CommitOutcome => ({ ok: true, result: committed(1) }));
      },
      { ...options, maxBatch: 16 },
    );
    await Promise.all(Array.from({ length: 40 }, (_, i) => group.commit(request(`s${i}`))));
    expect(sizes).toEqual([16, 16, 8]);
  });

  it('gives each commit its own outcome, and fails them all only if the transaction fails', async () => {
    let failTransaction = false;
    const group = createGroupCommit((requests) => {
      if (failTransaction) throw new Error('disk full');
      return requests.map((r): CommitOutcome =>
        r.streamId === 'bad'
          ? { ok: false, error: new Error('bad one') }
          : { ok: true, result: committed(1) },
      );
    }, options);
    const outcomes = await Promise.allSettled([
      group.commit(request('a')),
      group.commit(request('bad')),
      group.commit(request('b')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    failTransaction = true;
    const failed = await Promise.allSettled([
      group.commit(request('c')),
      group.commit(request('d')),
    ]);
    expect(failed.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))).toEqual([
      'Error: disk full',
      'Error: disk full',
    ]);
  });
});

describe('group commit when SQLite refuses a batch for a lock', () => {
  const busy = new Error('SQLITE_BUSY: database is locked');
  const retrying = (forMs: number) => ({
    toStoreError: (error: unknown) => (error === busy ? new Error('503') : error),
    onCommitted: () => undefined,
    busyRetry: { isBusy: (error: unknown) => error === busy, forMs, everyMs: 5 },
  });

  it('puts the batch back and writes it once the lock is free, later commits joining it', async () => {
    let refusals = 2;
    const batches: string[][] = [];
    const group = createGroupCommit((requests) => {
      if (refusals-- > 0) throw busy;
      batches.push(requests.map((r) => r.streamId));
      return requests.map((_, i): CommitOutcome => ({ ok: true, result: committed(i + 1) }));
    }, retrying(1000));
    const first = Promise.all([group.commit(request('a')), group.commit(request('b'))]);
    // Arrives while the batch waits for its retry: written with it, after it.
    await new Promise((resolve) => setTimeout(resolve, 1));
    const late = group.commit(request('c'));
    expect((await first).map((r) => r.status)).toEqual(['committed', 'committed']);
    expect((await late).status).toBe('committed');
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('fails the commits with the store error once the lock stays refused past the limit', async () => {
    let attempts = 0;
    const group = createGroupCommit(() => {
      attempts++;
      throw busy;
    }, retrying(40));
    const outcomes = await Promise.allSettled([group.commit(request('a'))]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))).toEqual([
      'Error: 503',
    ]);
    expect(attempts).toBeGreaterThan(2);
  });

  it('does not retry other failures', async () => {
    let attempts = 0;
    const group = createGroupCommit(() => {
      attempts++;
      throw new Error('disk full');
    }, retrying(1000));
    await expect(group.commit(request('a'))).rejects.toThrow('disk full');
    expect(attempts).toBe(1);
  });
});

describe('group commit on SQLite', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const openFileStore = (
    options: { walCheckpointIntervalMs?: number; walMaxPages?: number } = {},
  ) => {
    const dir = mkdtempSync(join(tmpdir(), 'ees-group-'));
    const filename = join(dir, 'ees.db');
    const store = openSqliteStore({ filename, ...options });
    cleanups.push(() => {
      rmSync(dir, { recursive: true });
    });
    cleanups.push(() => store.close());
    return { store, filename };
  };

  it('does not let a failing commit take its batch-mates with it', async () => {
    const { store } = openFileStore();
    const outcomes = await Promise.allSettled([
      store.commit(request('a')),
      // JSON.stringify cannot serialise a BigInt: this commit fails inside the batch.
      store.commit(request('b', { size: 1n })),
      store.commit(request('c')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const page = await store.readGlobal(0, 10);
    expect(page.map((c) => [c.streamId, c.checkpoint])).toEqual([
      ['a', 0],
      ['c', 1],
    ]);
    expect(await store.readChangesets('b', {})).toBeUndefined();
  });

  it('keeps each expectation its own inside one batch: the second of two racers conflicts', async () => {
    const { store } = openFileStore();
    const [first, second] = await Promise.all([
      store.commit(request('x')),
      store.commit(request('x')),
    ]);
    expect(first.status).toBe('committed');
    expect(second).toMatchObject({ status: 'conflict', forthcoming: [{ changesetId: 1 }] });
  });

  it('copies the write-ahead log into the database file from a background thread', async () => {
    const { store, filename } = openFileStore({ walCheckpointIntervalMs: 50 });
    const before = statSync(filename).size;
    const blob = 'x'.repeat(4000);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.commit(request(`s${i}`, { blob }))),
    );
    // Too little log for SQLite's own automatic checkpoint (1000 pages), which the store turns
    // off anyway: only the checkpointer thread copies pages into the main file.
    await waitFor(() => Promise.resolve(statSync(filename).size > before + 200 * 4000));
  });

  it('empties the write-ahead log once it grows past its limit, while commits and reads go on', async () => {
    const { store, filename } = openFileStore({ walCheckpointIntervalMs: 20, walMaxPages: 64 });
    const wal = `${filename}-wal`;
    const blob = 'x'.repeat(4000);
    let largest = 0;
    // Commits and reads without pause, as under load: a PASSIVE checkpoint alone would leave
    // the log at its largest.
    for (let round = 0; round < 40; round++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.commit(request(`r${round}-${i}`, { blob }))),
      );
      await store.readGlobal(round * 20, 20);
      largest = Math.max(largest, statSync(wal).size);
    }
    expect(largest).toBeGreaterThan(64 * 4096);
    await waitFor(() => Promise.resolve(statSync(wal).size < 64 * 4096));
    expect(await store.readGlobal(0, 1000)).toHaveLength(800);
  });

  it('acknowledges commits that are still waiting when the store closes', async () => {
    const { store } = openFileStore();
    const pending = [store.commit(request('a')), store.commit(request('b'))];
    await store.close();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual(['committed', 'committed']);
  });
});

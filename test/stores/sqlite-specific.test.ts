import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommitRequest, EventStore, JsonObject } from '../../src/core/index.js';
import { NEW_STREAM, isEesError } from '../../src/core/index.js';
import { forthcomingSql, insertChangesetSql } from '../../src/stores/sqlite/commit.js';
import { MIGRATIONS } from '../../src/stores/sqlite/migrations/index.js';
import { BUSY_TIMEOUT_MS, openDatabase } from '../../src/stores/sqlite/open.js';
import { readChangesetsSql } from '../../src/stores/sqlite/read-changesets.js';
import {
  lastEventOfSql,
  prepareFirstChangesetEndingAtOrAfter,
} from '../../src/stores/sqlite/event-bounds.js';
import { readGlobalSql } from '../../src/stores/sqlite/read-global.js';
import { CHANGESET_TEXT_COLUMNS } from '../../src/stores/sqlite/rows.js';
import { toStoreError } from '../../src/stores/sqlite/sqlite-errors.js';
import { streamHeadSql } from '../../src/stores/sqlite/stream-head.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { testEventStore } from '../conformance/index.js';
import { watchEventLoop } from '../setup/event-loop.js';

let directory: string;
let files = 0;
const freshFile = (): string => join(directory, `${++files}.db`);

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'ees-sqlite-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

const FIXED_TIME = new Date('2024-05-06T07:08:09.010Z');
const fixedClock = (): Date => FIXED_TIME;

const request = (
  streamId: string,
  events: readonly JsonObject[],
  expectation: CommitRequest['expectation'] = NEW_STREAM,
): CommitRequest => ({ streamId, expectation, events, metadata: { by: 'test' } });

/** Opens `file` with a plain connection, as another process or a DBA would. */
function withRawConnection<T>(file: string, work: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

/** Opens the store, runs `work`, and closes it whatever happens. */
async function withStore<T>(
  options: Parameters<typeof openSqliteStore>[0],
  work: (store: EventStore) => Promise<T>,
): Promise<T> {
  const store = openSqliteStore(options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const flag = new Int32Array(workerData.flag);
const db = new Database(workerData.file);
try {
  db.pragma('journal_mode = ' + workerData.journalMode);
  db.exec('BEGIN IMMEDIATE');
  db.exec(workerData.sql);
} finally {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
Atomics.wait(flag, 1, 0, workerData.holdMs);
db.exec('COMMIT');
db.close();
`;

/**
 * Has another thread (its own connection, as another process would) take the write lock of
 * `file`, run `sql` inside that transaction and commit only after `holdMs`. Returns once the
 * lock is held, with a promise for the worker's end.
 */
function holdWriteLock(
  file: string,
  options: { sql: string; holdMs: number; journalMode: 'WAL' | 'DELETE' },
): Promise<void> {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      flag: flag.buffer,
      file,
      ...options,
    },
  });
  const done = new Promise<void>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`lock holder exited with ${code}`));
    });
  });
  if (Atomics.wait(flag, 0, 0, 10_000) === 'timed-out') throw new Error('no lock taken');
  return done;
}

describe('connection settings', () => {
  it('uses WAL, synchronous FULL and a busy timeout by default', () => {
    const db = openDatabase(freshFile());
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(BUSY_TIMEOUT_MS);
    } finally {
      db.close();
    }
  });

  it('applies the synchronous option', () => {
    for (const [setting, value] of [
      ['NORMAL', 1],
      ['EXTRA', 3],
    ] as const) {
      const db = openDatabase(freshFile(), setting);
      try {
        expect(db.pragma('synchronous', { simple: true })).toBe(value);
      } finally {
        db.close();
      }
    }
  });

  it('rejects a synchronous value outside the documented ones', () => {
    expect(() => openSqliteStore({ filename: ':memory:', synchronous: 'OFF' as 'FULL' })).toThrow(
      /Invalid SQLite synchronous setting "OFF"/,
    );
  });

  it('leaves the WAL switch out for :memory:', async () => {
    await withStore({ filename: ':memory:' }, async (store) => {
      expect(store.capabilities).toEqual({
        checkpointsAtCommit: true,
        sharedAcrossProcesses: false,
        checkpointsInCallOrder: true,
      });
      expect((await store.commit(request('s', [{ a: 1 }]))).status).toBe('committed');
    });
  });

  it('makes the file a WAL database for every later connection', async () => {
    const file = freshFile();
    await withStore({ filename: file }, () => Promise.resolve());
    expect(withRawConnection(file, (db) => db.pragma('journal_mode', { simple: true }))).toBe(
      'wal',
    );
  });
});

describe('migrations', () => {
  it('are numbered 1, 2, 3 ... in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('are recorded once, and reopening applies nothing again', async () => {
    const file = freshFile();
    await withStore({ filename: file, clock: fixedClock }, async (store) => {
      await store.commit(request('s', [{ a: 1 }]));
    });
    const laterClock = (): Date => new Date('2030-01-01T00:00:00.000Z');
    await withStore({ filename: file, clock: laterClock }, () => Promise.resolve());
    await withStore({ filename: file, clock: laterClock }, () => Promise.resolve());

    withRawConnection(file, (db) => {
      expect(db.prepare('SELECT version, applied_at FROM schema_migrations').all()).toEqual(
        MIGRATIONS.map((m) => ({ version: m.version, applied_at: FIXED_TIME.toISOString() })),
      );
      const schema = db
        .prepare<[], { name: string }>(
          "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name",
        )
        .all()
        .map((row) => row.name);
      expect(schema).toEqual(
        expect.arrayContaining(['changesets', 'projections', 'schema_migrations']),
      );
      // 002 and 003 dropped them: event reads find their bounds by binary search.
      expect(schema).not.toContain('changesets_stream_first_event');
      expect(schema).not.toContain('changesets_stream_last_event');
    });
  });

  it('refuse a database migrated by a newer release', async () => {
    const file = freshFile();
    await openSqliteStore({ filename: file }).close();
    withRawConnection(file, (db) =>
      db.prepare("INSERT INTO schema_migrations VALUES (999, '2099-01-01T00:00:00.000Z')").run(),
    );
    expect(() => openSqliteStore({ filename: file })).toThrow(
      /Cannot migrate the SQLite event store .*schema is at version 999/,
    );
  });

  it('wait for a connection that is creating the same file instead of failing', async () => {
    const file = freshFile();
    // Another connection made the file in rollback-journal mode and holds its write lock: the
    // switch to WAL cannot happen until it commits, and SQLite would not wait on its own.
    const holder = holdWriteLock(file, {
      journalMode: 'DELETE',
      sql: 'CREATE TABLE unrelated (x)',
      holdMs: 300,
    });
    await withStore({ filename: file }, async (store) => {
      expect((await store.commit(request('s', [{ a: 1 }]))).status).toBe('committed');
    });
    await holder;
    withRawConnection(file, (db) => {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({
        n: MIGRATIONS.length,
      });
    });
  });

  it('wait for a writer holding the lock of a WAL file', async () => {
    const file = freshFile();
    const holder = holdWriteLock(file, {
      journalMode: 'WAL',
      sql: 'CREATE TABLE unrelated (x)',
      holdMs: 300,
    });
    await withStore({ filename: file }, async (store) => {
      expect(await store.readGlobal(0, 10)).toEqual([]);
    });
    await holder;
  });
});

describe('durability', () => {
  it('keeps changesets, checkpoints and projections across close and reopen', async () => {
    const file = freshFile();
    const written = await withStore({ filename: file, clock: fixedClock }, async (store) => {
      await store.commit(request('a', [{ n: 1 }, { n: 2 }]));
      await store.commit(request('b', [{ n: 3 }]));
      await store.commit(request('a', [{ n: 4 }], { kind: 'changeset', lastChangesetId: 1 }));
      await store.writeProjection('p', { checkpoint: 3, state: { seen: 3 } }, undefined);
      return store.readGlobal(0, 100);
    });
    expect(written.map((c) => [c.streamId, c.changesetId, c.checkpoint])).toEqual([
      ['a', 1, 0],
      ['b', 1, 1],
      ['a', 2, 2],
    ]);

    await withStore({ filename: file }, async (store) => {
      expect(await store.readGlobal(0, 100)).toEqual(written);
      expect(await store.readEvents('a', { from: 2 })).toEqual([
        { changesetId: 1, eventId: 2, data: { n: 2 } },
        { changesetId: 2, eventId: 3, data: { n: 4 } },
      ]);
      expect(await store.readProjection('p')).toEqual({ checkpoint: 3, state: { seen: 3 } });
      const next = await store.commit(request('b', [{ n: 5 }], { kind: 'event', lastEventId: 1 }));
      expect(next.status === 'committed' && next.changeset.checkpoint).toBe(3);
    });
  });

  it('round-trips a 400 KB changeset', async () => {
    const events = Array.from({ length: 4 }, (_, i) => ({ i, blob: 'é'.repeat(50_000) }));
    const metadata = { note: 'x'.repeat(200_000) };
    expect(JSON.stringify(events).length + JSON.stringify(metadata).length).toBeGreaterThan(
      400_000,
    );
    await withStore({ filename: freshFile() }, async (store) => {
      const result = await store.commit({
        streamId: 'big',
        expectation: NEW_STREAM,
        events,
        metadata,
      });
      expect(result.status).toBe('committed');
      const [read] = (await store.readChangesets('big', {})) ?? [];
      expect(read?.events).toEqual(events);
      expect(read?.metadata).toEqual(metadata);
      expect(await store.readEvents('big', { from: 4, to: 4 })).toEqual([
        { changesetId: 1, eventId: 4, data: events[3] },
      ]);
    });
  });

  it('stores the commit clock as ISO-8601 UTC', async () => {
    await withStore({ filename: ':memory:', clock: fixedClock }, async (store) => {
      const result = await store.commit(request('s', [{ a: 1 }]));
      expect(result.status === 'committed' && result.changeset.timestamp).toBe(
        '2024-05-06T07:08:09.010Z',
      );
    });
  });
});

describe('opening', () => {
  it('throws a clear error for a path in a missing directory', () => {
    const file = join(directory, 'missing', 'events.db');
    expect(() => openSqliteStore({ filename: file })).toThrow(
      `Cannot open the SQLite event store "${file}": Cannot open database because the directory does not exist`,
    );
  });

  it('throws a clear error for a file that is not a database', () => {
    const file = freshFile();
    writeFileSync(
      file,
      'not a database, just text that is long enough to have a header'.repeat(20),
    );
    expect(() => openSqliteStore({ filename: file })).toThrow(
      /^Cannot open the SQLite event store ".*": file is not a database$/,
    );
  });

  it('rejects operations after close, and closing twice is harmless', async () => {
    const store = openSqliteStore({ filename: freshFile() });
    await store.close();
    await store.close();
    await expect(store.readGlobal(0, 10)).rejects.toThrow(/not open/);
    await expect(store.commit(request('s', [{ a: 1 }]))).rejects.toThrow(/not open/);
  });
});

describe('two connections on one file', () => {
  it('of two stores committing with the same expectation exactly one wins', async () => {
    const file = freshFile();
    const first = openSqliteStore({ filename: file });
    const second = openSqliteStore({ filename: file });
    try {
      const results = await Promise.all([
        first.commit(request('s', [{ by: 'first' }])),
        second.commit(request('s', [{ by: 'second' }])),
        second.commit(request('s', [{ by: 'second again' }])),
      ]);
      const winners = results.flatMap((r) => (r.status === 'committed' ? [r.changeset] : []));
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 'conflict')).toEqual([
        { status: 'conflict', forthcoming: winners },
        { status: 'conflict', forthcoming: winners },
      ]);
      expect(await first.readChangesets('s', {})).toEqual(winners);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('a commit waits for another connection’s write and then sees it', async () => {
    const file = freshFile();
    await withStore({ filename: file, clock: fixedClock }, async (store) => {
      // The other writer inserts changeset 1 of "s" and keeps its transaction open a while.
      const holder = holdWriteLock(file, {
        journalMode: 'WAL',
        holdMs: 300,
        sql: `INSERT INTO changesets VALUES (
          (SELECT COALESCE(MAX(checkpoint), -1) + 1 FROM changesets),
          's', 1, 1, 1, '${FIXED_TIME.toISOString()}', '{}', '[{"by":"other"}]')`,
      });
      // Checked and written under the lock: had the head been read before taking it, this
      // commit would have seen an empty stream, or failed at once on the stale snapshot.
      const conflict = await store.commit(request('s', [{ by: 'us' }]));
      const other = await store.commit(request('t', [{ by: 'us' }]));
      await holder;

      expect(conflict).toEqual({
        status: 'conflict',
        forthcoming: [
          {
            streamId: 's',
            changesetId: 1,
            firstEventId: 1,
            lastEventId: 1,
            timestamp: FIXED_TIME.toISOString(),
            metadata: {},
            events: [{ by: 'other' }],
            checkpoint: 0,
          },
        ],
      });
      expect(other.status === 'committed' && other.changeset.checkpoint).toBe(1);
      expect((await store.readGlobal(0, 10)).map((c) => c.checkpoint)).toEqual([0, 1]);
    });
  });

  it('the event loop runs on while a commit waits for another connection’s lock', async () => {
    const file = freshFile();
    await withStore({ filename: file }, async (store) => {
      await store.commit(request('warm', [{ n: 0 }]));
      const holder = holdWriteLock(file, { journalMode: 'WAL', holdMs: 1500, sql: 'SELECT 1' });
      const loop = watchEventLoop(10);
      let longestGap: number;
      try {
        const started = performance.now();
        const result = await store.commit(request('s', [{ by: 'us' }]));
        expect(result.status).toBe('committed');
        // It went in once the lock was free, well within the busy timeout.
        expect(performance.now() - started).toBeGreaterThan(1000);
        expect(performance.now() - started).toBeLessThan(BUSY_TIMEOUT_MS);
      } finally {
        // The commit's own wait counts too: before, no tick came until it was over.
        const { longest, running } = loop.stop();
        longestGap = Math.max(longest, running);
      }
      await holder;
      // Before, SQLite's busy handler held the loop for the whole wait (1.5 s here).
      expect(longestGap).toBeLessThan(250);
    });
  });

  it('a projection save waits for another connection’s lock too, the event loop running', async () => {
    const file = freshFile();
    await withStore({ filename: file }, async (store) => {
      await store.writeProjection('p', { checkpoint: 1, state: { n: 1 } }, undefined);
      // What a second `ees serve` on the file does between its commits: hold the write lock.
      const holder = holdWriteLock(file, { journalMode: 'WAL', holdMs: 300, sql: 'SELECT 1' });
      const loop = watchEventLoop(10);
      let longestGap: number;
      try {
        // Before, this failed with STORE_UNAVAILABLE after the serving connection's 10 ms.
        expect(await store.writeProjection('p', { checkpoint: 2, state: { n: 2 } }, 1)).toBe(true);
      } finally {
        const { longest, running } = loop.stop();
        longestGap = Math.max(longest, running);
      }
      await holder;
      expect(longestGap).toBeLessThan(250);
      expect(await store.readProjection('p')).toEqual({ checkpoint: 2, state: { n: 2 } });
    });
  });

  it('a lock held past the busy timeout becomes the retryable STORE_UNAVAILABLE', () => {
    const busy = new Database.SqliteError('database is locked', 'SQLITE_BUSY');
    const mapped = toStoreError(busy);
    expect(isEesError(mapped) && [mapped.code, mapped.cause]).toEqual(['STORE_UNAVAILABLE', busy]);
    const other = new Database.SqliteError('constraint failed', 'SQLITE_CONSTRAINT');
    expect(toStoreError(other)).toBe(other);
  });

  it('a file that cannot be written just now is STORE_UNAVAILABLE; a corrupt one is not', () => {
    for (const code of ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY']) {
      const error = new Database.SqliteError('cannot write', code);
      const mapped = toStoreError(error);
      expect(isEesError(mapped) && [mapped.code, mapped.cause]).toEqual([
        'STORE_UNAVAILABLE',
        error,
      ]);
    }
    const corrupt = new Database.SqliteError('database disk image is malformed', 'SQLITE_CORRUPT');
    expect(toStoreError(corrupt)).toBe(corrupt);
  });
});

describe('query plans', () => {
  const plan = (db: Database.Database, sql: string, ...params: unknown[]): string[] =>
    db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((row) => row.detail);

  /** Plans over a file with a few interleaved streams, as the store leaves it. */
  async function plans(): Promise<Record<string, string[]>> {
    const file = freshFile();
    await withStore({ filename: file }, async (store) => {
      for (let n = 0; n < 5; n++) {
        for (const streamId of ['a', 'b', 'c']) {
          const expectation = { kind: 'changeset', lastChangesetId: n } as const;
          await store.commit(request(streamId, [{ n }, { n }], expectation));
        }
      }
    });
    const range = { streamId: 'a', from: 3, to: 6 };
    return withRawConnection(file, (db) => ({
      lastEventOf: plan(db, lastEventOfSql, 'a', 3),
      readChangesets: plan(db, readChangesetsSql, range),
      readGlobal: plan(db, readGlobalSql(), 3, 10),
      readGlobalText: plan(db, readGlobalSql(CHANGESET_TEXT_COLUMNS), 3, 10),
      streamHead: plan(db, streamHeadSql, 'a'),
      forthcoming: plan(db, forthcomingSql, 'a', 2),
      insert: plan(db, insertChangesetSql, {
        streamId: 'a',
        changesetId: 6,
        firstEventId: 11,
        lastEventId: 11,
        timestamp: '',
        metadata: '{}',
        events: '[]',
      }),
    }));
  }

  it('no statement scans the changesets table', async () => {
    for (const [statement, details] of Object.entries(await plans())) {
      expect({ statement, scans: details.filter((d) => d.startsWith('SCAN')) }).toEqual({
        statement,
        scans: [],
      });
    }
  });

  it('an event-range read finds its bounds by seeks of the stream-changeset index', async () => {
    expect((await plans()).lastEventOf).toEqual([
      expect.stringMatching(
        /^SEARCH changesets USING INDEX sqlite_autoindex_changesets_1 \(stream_id=\? AND changeset_id=\?\)$/,
      ),
    ]);
  });

  it('the global read is a rowid range scan', async () => {
    expect((await plans()).readGlobal).toEqual([
      'SEARCH changesets USING INTEGER PRIMARY KEY (rowid>?)',
    ]);
  });
});

/**
 * The whole port contract again, with every call going to one of two connections on the same
 * file in turn: nothing may depend on state one connection keeps to itself.
 */
function alternatingStore(file: string): EventStore {
  const connections = [openSqliteStore({ filename: file }), openSqliteStore({ filename: file })];
  let calls = 0;
  const next = (): EventStore => {
    const store = connections[calls++ % connections.length];
    if (store === undefined) throw new Error('no connection');
    return store;
  };
  return {
    // Each connection writes its own queue: two of them keep no common call order.
    capabilities: { ...next().capabilities, checkpointsInCallOrder: false },
    commit: (commit) => next().commit(commit),
    readChangesets: (...read) => next().readChangesets(...read),
    readEvents: (...read) => next().readEvents(...read),
    readGlobal: (...page) => next().readGlobal(...page),
    readProjection: (name) => next().readProjection(name),
    writeProjection: (name, state, previous) => next().writeProjection(name, state, previous),
    close: async () => {
      await Promise.all(connections.map((store) => store.close()));
    },
  };
}

testEventStore('sqlite store (two connections on one file, alternating)', () =>
  Promise.resolve({ store: alternatingStore(freshFile()) }),
);

describe('event bounds by binary search', () => {
  it('finds the first changeset ending at or after every event id, as a linear search would', async () => {
    const file = freshFile();
    // 50 changesets of 1 to 4 events: last event ids 1, 3, 6, 10, 11, ...
    const sizes = Array.from({ length: 50 }, (_, n) => (n % 4) + 1);
    await withStore({ filename: file }, async (store) => {
      for (const [n, size] of sizes.entries()) {
        const events = Array.from({ length: size }, (_, i) => ({ n, i }));
        const expectation = { kind: 'changeset', lastChangesetId: n } as const;
        await store.commit(request('long', events, expectation));
      }
    });
    const lastEvents = sizes.map((_, n) => sizes.slice(0, n + 1).reduce((a, b) => a + b, 0));
    const head = { lastChangesetId: sizes.length, lastEventId: lastEvents.at(-1) ?? 0 };
    withRawConnection(file, (db) => {
      const firstEndingAtOrAfter = prepareFirstChangesetEndingAtOrAfter(db);
      for (let eventId = 0; eventId <= head.lastEventId + 2; eventId++) {
        const linear = lastEvents.findIndex((last) => last >= eventId);
        expect([eventId, firstEndingAtOrAfter('long', eventId, head)]).toEqual([
          eventId,
          linear === -1 ? undefined : linear + 1,
        ]);
      }
    });
  });
});

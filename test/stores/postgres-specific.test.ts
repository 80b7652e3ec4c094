import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseError } from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type {
  Changeset,
  CommitRequest,
  CommitResult,
  EventStore,
  Expectation,
  IndexedChangeset,
  JsonObject,
} from '../../src/core/index.js';
import { NEW_STREAM, isEesError, nextCheckpoint } from '../../src/core/index.js';
import {
  insertChangesetsParameters,
  insertChangesetsSql,
} from '../../src/stores/postgres/commit.js';
import { QUERY_TIMEOUT_GRACE_MS } from '../../src/stores/postgres/connect.js';
import { MIGRATIONS } from '../../src/stores/postgres/migrations/index.js';
import { isConnectionError, toStoreError } from '../../src/stores/postgres/postgres-errors.js';
import { schemaName } from '../../src/stores/postgres/schema-name.js';
import type { PostgresStore, PostgresStoreOptions } from '../../src/stores/postgres/index.js';
import { openPostgresStore } from '../../src/stores/postgres/index.js';
import {
  POSTGRES_URL,
  describePostgres,
  dropSchemas,
  uniqueSchema,
  withAdmin,
} from './postgres-database.js';
import { TcpProxy } from './tcp-proxy.js';
import { closedPort } from '../setup/ports.js';

const schemas: string[] = [];
const open: PostgresStore[] = [];

/** A schema for one test, dropped after the file. */
const freshSchema = (): string => {
  const schema = uniqueSchema();
  schemas.push(schema);
  return schema;
};

/** Opens a store that the test's `afterEach` closes. */
async function openStore(
  options: Partial<PostgresStoreOptions> & { schema: string },
): Promise<PostgresStore> {
  const store = await openPostgresStore({ connectionString: POSTGRES_URL, ...options });
  open.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});
afterAll(async () => {
  if (schemas.length > 0) await dropSchemas(...schemas);
});

const afterChangeset = (lastChangesetId: number): Expectation => ({
  kind: 'changeset',
  lastChangesetId,
});
const afterEvent = (lastEventId: number): Expectation => ({ kind: 'event', lastEventId });

const request = (
  streamId: string,
  expectation: Expectation,
  events: readonly JsonObject[] = [{ type: 'Tested' }],
): CommitRequest => ({ streamId, expectation, events, metadata: { test: true } });

/** A changeset as it compares before and after the indexer reached it. */
const unindexed = (changeset: Changeset): Changeset => ({ ...changeset, checkpoint: null });

/** The table names in `schema`, sorted. */
const tablesIn = (schema: string): Promise<string[]> =>
  withAdmin(async (client) => {
    const { rows } = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema],
    );
    return rows.map((row) => row.table_name);
  });

/** The rejection of `promise`, which must be an `EesError` with code `STORE_UNAVAILABLE`. */
async function unavailable(promise: Promise<unknown>): Promise<number> {
  const started = Date.now();
  const error = await promise.then(
    () => new Error('expected STORE_UNAVAILABLE, the operation succeeded'),
    (reason: unknown) => reason,
  );
  if (!isEesError(error) || error.code !== 'STORE_UNAVAILABLE') throw error;
  return Date.now() - started;
}

/** Retries `work` until it succeeds or `ms` have passed. */
async function eventually<T>(work: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(50);
    }
  }
}

describe('connection errors', () => {
  const databaseError = (code: string): DatabaseError => {
    const error = new DatabaseError('failed', 0, 'error');
    error.code = code;
    return error;
  };
  const withCode = (code: string): Error =>
    Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });

  it('treats an unreachable or refusing database as unavailable', () => {
    for (const error of [
      withCode('ECONNREFUSED'),
      withCode('ECONNRESET'),
      withCode('ETIMEDOUT'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Query read timeout'),
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]),
      databaseError('08006'),
      databaseError('57P01'),
      databaseError('57P03'),
      databaseError('53300'),
      databaseError('57014'),
    ]) {
      expect(isConnectionError(error)).toBe(true);
      const mapped = toStoreError(error);
      expect(isEesError(mapped) && mapped.code).toBe('STORE_UNAVAILABLE');
      expect(isEesError(mapped) && mapped.cause).toBe(error);
    }
  });

  it('leaves statement failures and bugs alone', () => {
    for (const error of [
      databaseError('23505'),
      databaseError('42P01'),
      new TypeError('x is undefined'),
      'a string',
    ]) {
      expect(isConnectionError(error)).toBe(false);
      expect(toStoreError(error)).toBe(error);
    }
  });
});

describe('schema names', () => {
  it('accepts identifiers and quotes them', () => {
    expect(schemaName('ees')).toEqual({ name: 'ees', quoted: '"ees"' });
    expect(schemaName('Tenant_42')).toEqual({ name: 'Tenant_42', quoted: '"Tenant_42"' });
  });

  it.each(['', '1abc', 'a-b', 'a b', 'a"b', 'x'.repeat(64), 'pg_mine', 'ees;drop'])(
    'rejects %j',
    (name) => {
      expect(() => schemaName(name)).toThrow(/^Invalid PostgreSQL schema name/);
    },
  );
});

describe('openPostgresStore without a database', () => {
  it('rejects with one line naming host, port and reason', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await openPostgresStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
    }).then(
      () => new Error('opened'),
      (reason: unknown) => reason,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(Error);
    const { message } = error as Error;
    expect(message).toMatch(
      new RegExp(`^Cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    expect(message).not.toContain('\n');
  });

  it('rejects invalid options before connecting', async () => {
    await expect(
      openPostgresStore({ connectionString: POSTGRES_URL, schema: 'no-dashes' }),
    ).rejects.toThrow(/Invalid PostgreSQL schema name "no-dashes"/);
    await expect(
      openPostgresStore({ connectionString: POSTGRES_URL, poolSize: 0 }),
    ).rejects.toThrow(/Invalid PostgreSQL store option poolSize: 0/);
  });
});

describePostgres('postgres store', () => {
  describe('schema and migrations', () => {
    it('creates the schema, records migrations, and is idempotent', async () => {
      const schema = freshSchema();
      const first = await openStore({ schema });
      await first.commit(request('s', NEW_STREAM));
      await first.close();
      const second = await openStore({ schema });
      expect(await second.readChangesets('s', {})).toHaveLength(1);
      const migrations = await withAdmin(
        async (client) =>
          (
            await client.query<{ version: number; recorded: boolean }>(
              `SELECT version, applied_at IS NOT NULL AS recorded FROM "${schema}".schema_migrations`,
            )
          ).rows,
      );
      expect(migrations).toEqual(MIGRATIONS.map(({ version }) => ({ version, recorded: true })));
    });

    it('uses the schema it is given, with case kept', async () => {
      const schema = uniqueSchema('Ees_Mixed');
      schemas.push(schema);
      await openStore({ schema });
      expect(await tablesIn(schema)).toEqual([
        'changesets',
        'global_position',
        'projections',
        'schema_migrations',
      ]);
      expect(await tablesIn(schema.toLowerCase())).toEqual([]);
    });

    it('several instances opening one new schema at once all succeed', async () => {
      const schema = freshSchema();
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore({ schema })));
      const results = await Promise.all(
        stores.map((store, i) => store.commit(request(`s${i}`, NEW_STREAM))),
      );
      expect(results.map((r) => r.status)).toEqual(Array(4).fill('committed'));
      const versions = await withAdmin(
        async (client) =>
          (await client.query(`SELECT version FROM "${schema}".schema_migrations`)).rowCount,
      );
      expect(versions).toBe(MIGRATIONS.length);
    });

    it('upgrades a schema of the first release, keeping its changesets and their order', async () => {
      const schema = freshSchema();
      // The schema as release 1 left it: two changesets indexed, one committed but not yet.
      await withAdmin(async (client) => {
        await client.query(`CREATE SCHEMA "${schema}"`);
        await client.query(
          `CREATE TABLE "${schema}".schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
        );
        const [first] = MIGRATIONS;
        if (first === undefined) throw new Error('no migrations');
        await client.query(first.sql(schemaName(schema)));
        await client.query(`INSERT INTO "${schema}".schema_migrations (version) VALUES (1)`);
        await client.query(
          `INSERT INTO "${schema}".changesets
             (stream_id, changeset_id, first_event_id, last_event_id, timestamp, metadata, events, checkpoint)
           VALUES ('a', 1, 1, 2, '2026-01-01T00:00:00.000Z', '{}', '[{"n":1},{"n":2}]', 0),
                  ('b', 1, 1, 1, '2026-01-01T00:00:01.000Z', '{}', '[{"n":3}]', 1),
                  ('a', 2, 3, 3, '2026-01-01T00:00:02.000Z', '{}', '[{"n":4}]', NULL)`,
        );
        await client.query(`UPDATE "${schema}".global_position SET next_checkpoint = 2`);
      });
      const store = await openStore({ schema });
      await store.indexNow();
      expect(
        (await store.readGlobal(0, 10)).map((c) => [c.checkpoint, c.streamId, c.changesetId]),
      ).toEqual([
        [0, 'a', 1],
        [1, 'b', 1],
        [2, 'a', 2],
      ]);
      expect(await store.readEvents('a', { from: 2, to: 3 })).toEqual([
        { changesetId: 1, eventId: 2, data: { n: 2 } },
        { changesetId: 2, eventId: 3, data: { n: 4 } },
      ]);
      expect(await store.commit(request('a', NEW_STREAM))).toMatchObject({ status: 'conflict' });
    });

    it('refuses a schema migrated by a newer release', async () => {
      const schema = freshSchema();
      await (await openStore({ schema })).close();
      await withAdmin((client) =>
        client.query(`INSERT INTO "${schema}".schema_migrations (version) VALUES (999)`),
      );
      await expect(openPostgresStore({ connectionString: POSTGRES_URL, schema })).rejects.toThrow(
        `Cannot migrate the PostgreSQL event store schema "${schema}" at 127.0.0.1:5432: The schema "${schema}" is at version 999, newer than this release knows (${MIGRATIONS.length}). Upgrade elastic-event-store.`,
      );
    });

    it('works in a schema an administrator created for a user who may not create schemas', async () => {
      const schema = freshSchema();
      const role = `${schema}_user`;
      await withAdmin(async (client) => {
        await client.query(`CREATE ROLE "${role}" LOGIN`);
        await client.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}"`);
      });
      try {
        const url = new URL(POSTGRES_URL);
        url.username = role;
        const store = await openStore({ schema, connectionString: url.toString() });
        expect((await store.commit(request('s', NEW_STREAM))).status).toBe('committed');
        await store.close();
      } finally {
        await withAdmin(async (client) => {
          await client.query(`DROP SCHEMA "${schema}" CASCADE`);
          await client.query(`DROP ROLE "${role}"`);
        });
      }
    });
  });

  describe('global order across instances', () => {
    it('a reader paging during concurrent writes on two instances sees every changeset once, gapless, in order', async () => {
      const schema = freshSchema();
      const indexer = { batchSize: 16, pollIntervalMs: 5 };
      const instances = [
        await openStore({ schema, poolSize: 6, indexer }),
        await openStore({ schema, poolSize: 6, indexer }),
      ] as const;
      const instance = (n: number): PostgresStore => instances[n % 2] ?? instances[0];

      const STREAMS = 20;
      const WRITERS = 8;
      const COMMITS_PER_WRITER = 50;
      const acknowledged: Changeset[] = [];
      let conflicts = 0;
      // What the writers believe each stream's head to be; often stale, so they race.
      const known = new Map<string, Changeset | undefined>();

      const writer = async (w: number): Promise<void> => {
        const store = instance(w);
        for (let made = 0; made < COMMITS_PER_WRITER;) {
          // Two hot streams take a third of the commits, so writers collide often.
          const s = made % 3 === 0 ? w % 2 : Math.floor(Math.random() * STREAMS);
          const streamId = `stream-${s}`;
          const head = known.get(streamId);
          const expectation =
            made % 2 === 0
              ? afterChangeset(head?.changesetId ?? 0)
              : afterEvent(head?.lastEventId ?? 0);
          const events = Array.from({ length: 1 + (made % 3) }, (_, i) => ({ w, made, i }));
          const result: CommitResult = await store.commit(request(streamId, expectation, events));
          if (result.status === 'committed') {
            acknowledged.push(result.changeset);
            made++;
          } else if (result.status === 'conflict') {
            conflicts++;
          } else {
            throw new Error(`unexpected ahead on ${streamId}`);
          }
          const newest = result.status === 'committed' ? result.changeset : undefined;
          const latest =
            newest ?? (result.status === 'conflict' ? result.forthcoming.at(-1) : undefined);
          if (latest !== undefined && latest.changesetId > (known.get(streamId)?.changesetId ?? 0))
            known.set(streamId, latest);
        }
      };

      /**
       * Commits in a transaction held open for a while: its `seq` is drawn early, and many
       * commits with later `seq`s become visible and get indexed before it does. A store that
       * exposed `seq` order would let the reader skip it.
       */
      const slowWriter = async (): Promise<void> => {
        await withAdmin(async (client) => {
          for (let k = 0; k < 5; k++) {
            await sleep(40);
            await client.query('BEGIN');
            const events = [{ slow: k }];
            const slow = {
              ...request(`slow-${k}`, NEW_STREAM, events),
              metadata: {},
              json: { events: JSON.stringify(events), metadata: '{}' },
            };
            const { rows } = await client.query<{
              changeset_id: number;
              last_event_id: string;
            }>(
              insertChangesetsSql(schemaName(schema), 1),
              insertChangesetsParameters([slow], new Date().toISOString()),
            );
            await sleep(150);
            await client.query('COMMIT');
            const row = rows[0];
            if (row === undefined) throw new Error('slow insert did nothing');
            acknowledged.push({
              streamId: `slow-${k}`,
              // A plain connection returns bigint as text.
              changesetId: row.changeset_id,
              firstEventId: 1,
              lastEventId: Number(row.last_event_id),
              events,
              metadata: {},
              timestamp: '',
              checkpoint: null,
            });
          }
        });
      };

      let writing = true;
      let settled = false;
      let pagesDuringWrites = 0;
      const reader = async (): Promise<IndexedChangeset[]> => {
        const seen: IndexedChangeset[] = [];
        let checkpoint = 0;
        for (let read = 0; ; read++) {
          const finished = settled;
          const page = await instance(read).readGlobal(checkpoint, 7);
          if (page.length > 0 && writing) pagesDuringWrites++;
          seen.push(...page);
          checkpoint = nextCheckpoint(checkpoint, page);
          if (page.length === 0) {
            if (finished) return seen;
            await sleep(2);
          }
        }
      };

      const reading = reader();
      await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), slowWriter()]);
      writing = false;
      await instances[0].indexNow();
      await instances[1].indexNow();
      settled = true;
      const seen = await reading;

      const total = WRITERS * COMMITS_PER_WRITER + 5;
      expect(acknowledged).toHaveLength(total);
      // Every checkpoint exactly once and gapless from 0, in the order the reader got them.
      expect(seen.map((c) => c.checkpoint)).toEqual(Array.from({ length: total }, (_, i) => i));
      // Every acknowledged changeset, and nothing else.
      const identity = (c: Changeset): string => `${c.streamId}#${c.changesetId}`;
      expect(seen.map(identity).sort()).toEqual(acknowledged.map(identity).sort());
      const byIdentity = new Map(seen.map((c) => [identity(c), c]));
      for (const committed of acknowledged) {
        const enumerated = byIdentity.get(identity(committed));
        expect(enumerated?.events).toEqual(committed.events);
        expect(enumerated?.firstEventId).toBe(committed.firstEventId);
      }
      // Each stream's changesets in order, without holes.
      const last = new Map<string, number>();
      for (const c of seen) {
        expect(c.changesetId).toBe((last.get(c.streamId) ?? 0) + 1);
        last.set(c.streamId, c.changesetId);
      }
      // A later full read, from either instance, is the same sequence.
      for (const store of instances) {
        expect(await store.readGlobal(0, 10_000)).toEqual(seen);
      }
      // The run did what it claims: pages were read while writes went on, writers raced...
      expect(pagesDuringWrites).toBeGreaterThan(10);
      expect(conflicts).toBeGreaterThan(0);
      // ...and the hazard happened: a changeset with an earlier seq got a later checkpoint.
      const inversions = await withAdmin(
        async (client) =>
          (
            await client.query<{ n: string }>(
              `SELECT count(*) AS n FROM "${schema}".changesets a JOIN "${schema}".changesets b
               ON a.seq < b.seq AND a.checkpoint > b.checkpoint WHERE a.stream_id LIKE 'slow-%'`,
            )
          ).rows[0]?.n,
      );
      expect(Number(inversions)).toBeGreaterThan(0);
    });

    it('racing writers on one stream across two instances: one winner per changeset, losers get it', async () => {
      const schema = freshSchema();
      const [a, b] = [await openStore({ schema }), await openStore({ schema })];
      const winners: Changeset[] = [];
      for (let round = 0; round < 30; round++) {
        const lastEventId = winners.at(-1)?.lastEventId ?? 0;
        const expectation = round % 2 === 0 ? afterChangeset(round) : afterEvent(lastEventId);
        const results = await Promise.all(
          [a, b, a, b, a, b].map((store, racer) =>
            store.commit(request('duel', expectation, [{ round, racer }])),
          ),
        );
        const won = results.flatMap((r) => (r.status === 'committed' ? [r.changeset] : []));
        expect(won).toHaveLength(1);
        const [winner] = won;
        if (winner === undefined) throw new Error('no winner');
        expect([winner.changesetId, winner.firstEventId]).toEqual([round + 1, round + 1]);
        const losers = results.filter((r) => r.status !== 'committed');
        expect(
          losers.map((r) =>
            r.status === 'conflict' ? { ...r, forthcoming: r.forthcoming.map(unindexed) } : r,
          ),
        ).toEqual(Array(5).fill({ status: 'conflict', forthcoming: [winner] }));
        winners.push(winner);
      }
      expect((await b.readChangesets('duel', {}))?.map(unindexed)).toEqual(winners);
    });

    it('batches racing over the same streams in opposite orders neither deadlock nor lose a race', async () => {
      const schema = freshSchema();
      // One statement in flight per instance, so each instance's commits form big batches. The
      // clock is read once per statement, so the readings count each instance's statements.
      const readings = [0, 0];
      const open = (instance: 0 | 1) =>
        openStore({
          schema,
          commits: { maxInFlight: 1, maxBatch: 256 },
          clock: () => {
            readings[instance] = (readings[instance] ?? 0) + 1;
            return new Date();
          },
        });
      const [a, b] = [await open(0), await open(1)];
      const streams = Array.from({ length: 200 }, (_, s) => `race-${s}`);
      for (let round = 0; round < 10; round++) {
        readings.fill(0);
        const race = (store: EventStore, order: readonly string[]) =>
          order.map((streamId) => store.commit(request(streamId, afterChangeset(round))));
        const results = await Promise.all([
          ...race(a, streams),
          ...race(b, [...streams].reverse()),
        ]);
        const won = results.flatMap((r) => (r.status === 'committed' ? [r.changeset] : []));
        expect(won.map((c) => c.streamId).sort()).toEqual([...streams].sort());
        expect(won.every((c) => c.changesetId === round + 1)).toBe(true);
        expect(results.filter((r) => r.status === 'conflict')).toHaveLength(streams.length);
        // Per instance, the first commit alone and the other 199 in one statement. A deadlock
        // would fail a statement after deadlock_timeout, and its commits would be retried one
        // by one (199 statements more).
        expect(readings).toEqual([2, 2]);
      }
    });

    it('stays correct when the database defaults to SERIALIZABLE', async () => {
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('options', '-c default_transaction_isolation=serializable');
      const schema = freshSchema();
      const [a, b] = [
        await openStore({ schema, connectionString: url.toString() }),
        await openStore({ schema, connectionString: url.toString() }),
      ];
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, racer) =>
            (racer % 2 === 0 ? a : b).commit(request('s', afterChangeset(round), [{ racer }])),
          ),
        );
        expect(results.filter((r) => r.status === 'committed')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'conflict')).toHaveLength(9);
      }
      await a.indexNow();
      expect((await b.readGlobal(0, 10)).map((c) => c.checkpoint)).toEqual([0, 1, 2, 3, 4]);
    });

    it('another instance indexes commits it did not make', async () => {
      const schema = freshSchema();
      // The writer's own indexer polls rarely and is kept busy by nobody: the reader's indexes.
      const writer = await openStore({ schema, indexer: { pollIntervalMs: 60_000 } });
      const reader = await openStore({ schema });
      await writer.indexNow();
      await writer.commit(request('s', NEW_STREAM));
      await reader.indexNow();
      expect((await reader.readGlobal(0, 10)).map((c) => [c.streamId, c.checkpoint])).toEqual([
        ['s', 0],
      ]);
    });
  });

  describe('indexer', () => {
    it('a pass that finds nothing to index writes nothing', async () => {
      const schema = freshSchema();
      const store = await openStore({ schema });
      await store.commit(request('s', NEW_STREAM));
      await store.indexNow();
      // The row version of the global position: a write of any kind would change it.
      const position = () =>
        withAdmin(async (client) => {
          const { rows } = await client.query<{ xmin: string; next_checkpoint: string }>(
            `SELECT xmin::text AS xmin, next_checkpoint FROM "${schema}".global_position`,
          );
          return rows;
        });
      const before = await position();
      expect(before).toEqual([{ xmin: expect.any(String) as unknown, next_checkpoint: '1' }]);
      expect(await store.indexNow()).toBe(0);
      expect(await position()).toEqual(before);
    });
  });

  describe('batched commits', () => {
    it('commits arriving together share one statement, each with its own outcome', async () => {
      let clockReadings = 0;
      const schema = freshSchema();
      const store = await openStore({
        schema,
        commits: { maxInFlight: 1 },
        // Read once per statement: the count says how many statements ran.
        clock: () => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ++clockReadings)),
      });
      await store.commit(request('existing', NEW_STREAM, [{ n: 1 }, { n: 2 }]));
      await store.commit(request('existing', afterChangeset(1), [{ n: 3 }]));
      const [first, second] = (await store.readChangesets('existing', {})) ?? [];
      clockReadings = 0;

      const results = await Promise.all([
        // Finds the store idle: runs at once, alone.
        store.commit(request('alone', NEW_STREAM)),
        // Wait for it, then go together, one per stream: the other commits to 'existing' and
        // 'twice' each go in the next statement on.
        ...Array.from({ length: 10 }, (_, s) => store.commit(request(`new-${s}`, NEW_STREAM))),
        store.commit(request('existing', afterChangeset(2), [{ n: 4 }])),
        store.commit(request('existing', afterChangeset(1))),
        store.commit(request('existing', afterEvent(2))),
        store.commit(request('existing', afterChangeset(9))),
        store.commit(request('twice', NEW_STREAM, [{ attempt: 1 }])),
        // Same stream: never in the batch of the first, so it goes next and loses.
        store.commit(request('twice', NEW_STREAM, [{ attempt: 2 }])),
      ]);
      // alone; new-*, existing 2, twice 1; existing 1, twice 2; existing event 2; existing 9.
      expect(clockReadings).toBe(5);

      const committed = results.flatMap((r) => (r.status === 'committed' ? [r.changeset] : []));
      expect(
        committed.map((c) => [c.streamId, c.changesetId, c.firstEventId, c.lastEventId]),
      ).toEqual([
        ['alone', 1, 1, 1],
        ...Array.from({ length: 10 }, (_, s) => [`new-${s}`, 1, 1, 1]),
        ['existing', 3, 4, 4],
        ['twice', 1, 1, 1],
      ]);
      // Everything but the first went in one statement, at one instant.
      expect(new Set(committed.slice(1).map((c) => c.timestamp)).size).toBe(1);
      expect(committed[0]?.timestamp).not.toBe(committed[1]?.timestamp);

      const third = committed.find((c) => c.streamId === 'existing');
      const twice = committed.find((c) => c.streamId === 'twice');
      if (first === undefined || second === undefined || third === undefined || twice === undefined)
        throw new Error('missing changesets');
      const forthcoming = (r: CommitResult | undefined) =>
        r?.status === 'conflict' ? r.forthcoming.map(unindexed) : r;
      expect(forthcoming(results[12])).toEqual([second, third].map(unindexed));
      expect(forthcoming(results[13])).toEqual([second, third].map(unindexed));
      expect(results[14]).toEqual({
        status: 'ahead',
        head: { lastChangesetId: 3, lastEventId: 4 },
      });
      expect(forthcoming(results[16])).toEqual([unindexed(twice)]);
      expect((await store.readChangesets('existing', {}))?.map(unindexed)).toEqual(
        [first, second, third].map(unindexed),
      );
    });
    it('a commit the database refuses fails alone, not the others of its batch', async () => {
      const store = await openStore({ schema: freshSchema(), commits: { maxInFlight: 1 } });
      // JSON text that the HTTP route would never produce: PostgreSQL refuses the statement.
      const refused = { ...request('refused', NEW_STREAM), json: { events: '[{', metadata: '{}' } };
      const results = await Promise.allSettled([
        // Runs alone; the next three wait for it and then share a statement.
        store.commit(request('first', NEW_STREAM)),
        store.commit(request('before', NEW_STREAM)),
        store.commit(refused),
        store.commit(request('after', NEW_STREAM)),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect(await store.readChangesets('refused', {})).toBeUndefined();
      for (const streamId of ['first', 'before', 'after'])
        expect(await store.readChangesets(streamId, {})).toHaveLength(1);
    });
  });

  describe('change notifications', () => {
    /** The next wake-up of `store`'s watchers. */
    const nextWakeUp = (store: EventStore): Promise<readonly string[] | undefined> =>
      new Promise((resolve) => {
        const unwatch = store.watch?.((streamIds) => {
          unwatch?.();
          resolve(streamIds);
        });
      });

    it('wakes watchers at a local commit, naming the stream', async () => {
      const store = await openStore({ schema: freshSchema() });
      await store.indexNow();
      const woken = nextWakeUp(store);
      await store.commit(request('s', NEW_STREAM));
      expect(await woken).toEqual(['s']);
    });

    it('wakes watchers of another instance once the enumeration has grown', async () => {
      const schema = freshSchema();
      const writer = await openStore({ schema });
      const reader = await openStore({ schema, indexer: { pollIntervalMs: 20 } });
      await reader.indexNow();
      await sleep(50);
      const woken = nextWakeUp(reader);
      await writer.commit(request('s', NEW_STREAM));
      const streamIds = await woken;
      expect(streamIds === undefined || streamIds.includes('s')).toBe(true);
      expect((await reader.readGlobal(0, 10)).map((c) => c.streamId)).toEqual(['s']);
    });

    it('stops calling a watcher that unregistered', async () => {
      const store = await openStore({ schema: freshSchema() });
      const calls: unknown[] = [];
      const unwatch = store.watch((streamIds) => calls.push(streamIds));
      unwatch();
      await store.commit(request('s', NEW_STREAM));
      await store.indexNow();
      expect(calls).toEqual([]);
    });
  });

  describe('faults', () => {
    const proxies: TcpProxy[] = [];
    afterEach(async () => {
      await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    });

    /** A store whose connections go through a proxy the test can break. */
    async function storeBehindProxy(): Promise<{ store: PostgresStore; proxy: TcpProxy }> {
      const target = new URL(POSTGRES_URL);
      const proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
      proxies.push(proxy);
      const url = new URL(POSTGRES_URL);
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      const store = await openStore({
        schema: freshSchema(),
        connectionString: url.toString(),
        connectionTimeoutMs: 1000,
        queryTimeoutMs: 1500,
        indexer: { pollIntervalMs: 20 },
      });
      return { store, proxy };
    }

    /** Every operation of the port, each of which must fail promptly with a 503. */
    const everyOperation = (store: PostgresStore): Promise<unknown>[] => [
      store.commit(request('s', afterChangeset(1))),
      store.readChangesets('s', {}),
      store.readEvents('s', {}),
      store.readGlobal(0, 10),
      store.readProjection('p'),
      store.writeProjection('p', { checkpoint: 1, state: {} }, undefined),
      store.indexNow(),
    ];

    /** After a fault: the same store, not reopened, commits and reads again. */
    async function recovers(store: EventStore & { indexNow(): Promise<number> }): Promise<void> {
      const result = await eventually(() => store.commit(request('s', afterChangeset(1))));
      expect(result.status).toBe('committed');
      await store.indexNow();
      expect((await store.readGlobal(0, 10)).map((c) => [c.streamId, c.changesetId])).toEqual([
        ['s', 1],
        ['s', 2],
      ]);
    }

    it('a stopped database gives STORE_UNAVAILABLE at once, and the store recovers', async () => {
      const { store, proxy } = await storeBehindProxy();
      expect((await store.commit(request('s', NEW_STREAM))).status).toBe('committed');
      await proxy.refuse();
      const durations = await Promise.all(everyOperation(store).map(unavailable));
      expect(Math.max(...durations)).toBeLessThan(1000);
      await proxy.restore();
      await recovers(store);
    });

    it('a cut network gives STORE_UNAVAILABLE within the timeouts, never a hang', async () => {
      const { store, proxy } = await storeBehindProxy();
      expect((await store.commit(request('s', NEW_STREAM))).status).toBe('committed');
      await store.indexNow();
      proxy.blackHole();
      const durations = await Promise.all(everyOperation(store).map(unavailable));
      // A pooled connection waits for the query timeout, a new one for the connection timeout;
      // indexNow first waits for the background pass that was running into the same wall.
      expect(Math.max(...durations)).toBeLessThan(2 * (1000 + 1500));
      await proxy.restore();
      await recovers(store);
    });

    it('a statement held up by a lock is cancelled by the database: a 503 wrote nothing, and the pool stays its size', async () => {
      const schema = freshSchema();
      const applicationName = `${schema}_app`;
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('application_name', applicationName);
      const store = await openStore({
        schema,
        connectionString: url.toString(),
        poolSize: 3,
        queryTimeoutMs: 500,
        indexer: { pollIntervalMs: 20 },
      });
      await store.commit(request('warm', NEW_STREAM));
      const backends = () =>
        withAdmin(
          async (client) =>
            (
              await client.query<{ count: number }>(
                'SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name = $1',
                [applicationName],
              )
            ).rows[0]?.count ?? 0,
        );
      const most = { backends: 0 };
      await withAdmin(async (admin) => {
        await admin.query('BEGIN');
        await admin.query(`LOCK TABLE "${schema}".changesets IN ACCESS EXCLUSIVE MODE`);
        try {
          // Ten commits to new streams, one after another, all waiting for the lock.
          for (let n = 0; n < 10; n++) {
            const waited = await unavailable(store.commit(request(`locked-${n}`, NEW_STREAM)));
            expect(waited).toBeLessThan(500 + QUERY_TIMEOUT_GRACE_MS);
            most.backends = Math.max(most.backends, await backends());
          }
        } finally {
          await admin.query('COMMIT');
        }
      });
      // The pool's connections and the change listener's, never one per timed-out statement.
      expect(most.backends).toBeLessThanOrEqual(3 + 1);
      // Ten commits to one stream at once need ten statements, two at a time: those queued
      // behind the first two fail when these do, rather than each waiting out its own timeout.
      await withAdmin(async (admin) => {
        await admin.query('BEGIN');
        await admin.query(`LOCK TABLE "${schema}".changesets IN ACCESS EXCLUSIVE MODE`);
        try {
          const waits = await Promise.all(
            Array.from({ length: 10 }, () => unavailable(store.commit(request('one', NEW_STREAM)))),
          );
          expect(Math.max(...waits)).toBeLessThan(2 * 500 + QUERY_TIMEOUT_GRACE_MS);
        } finally {
          await admin.query('COMMIT');
        }
      });
      expect(await store.readChangesets('one', {})).toBeUndefined();
      await store.indexNow();
      for (let n = 0; n < 10; n++) {
        expect(await store.readChangesets(`locked-${n}`, {})).toBeUndefined();
      }
      expect((await store.commit(request('locked-0', NEW_STREAM))).status).toBe('committed');
    });

    it('idle connections killed by the server do not crash the process', async () => {
      const schema = freshSchema();
      const applicationName = `${schema}_app`;
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('application_name', applicationName);
      const store = await openStore({ schema, connectionString: url.toString() });
      await Promise.all(
        Array.from({ length: 5 }, (_, i) => store.commit(request(`s${i}`, NEW_STREAM))),
      );
      await store.indexNow();
      const killed = await withAdmin(
        async (client) =>
          (
            await client.query(
              'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
              [applicationName],
            )
          ).rowCount,
      );
      expect(killed).toBeGreaterThan(0);
      await sleep(100);
      expect((await store.commit(request('s0', afterChangeset(1)))).status).toBe('committed');
      expect(await store.readChangesets('s0', {})).toHaveLength(2);
    });
  });
});

describePostgres('event bounds by binary search', () => {
  it('reads every single event and every conflict on an event expectation exactly', async () => {
    const store = await openStore({ schema: freshSchema() });
    // 40 changesets of 1 to 3 events: last event ids 1, 3, 6, 7, 9, 12, ...
    const sizes = Array.from({ length: 40 }, (_, n) => (n % 3) + 1);
    for (const [n, size] of sizes.entries()) {
      const events = Array.from({ length: size }, (_, i) => ({ n, i }));
      const result = await store.commit(request('long', afterChangeset(n), events));
      expect(result.status).toBe('committed');
    }
    const all = sizes.flatMap((size, n) =>
      Array.from({ length: size }, (_, i) => ({ changesetId: n + 1, data: { n, i } })),
    );
    for (const [index, event] of all.entries()) {
      const eventId = index + 1;
      expect(await store.readEvents('long', { from: eventId, to: eventId })).toEqual([
        { ...event, eventId },
      ]);
      if (eventId < all.length) {
        const conflict = await store.commit(request('long', afterEvent(eventId)));
        expect(conflict.status).toBe('conflict');
        if (conflict.status === 'conflict') {
          // The forthcoming changesets start with the one holding the next event.
          expect(conflict.forthcoming[0]?.changesetId).toBe(all[eventId]?.changesetId);
          expect(conflict.forthcoming.at(-1)?.changesetId).toBe(sizes.length);
        }
      }
    }
    expect(await store.readEvents('long', { from: all.length + 1 })).toEqual([]);
  });
});

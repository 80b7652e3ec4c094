import { afterEach, describe, expect, it } from 'vitest';
import { NEW_STREAM } from '../../src/core/index.js';
import type { PostgresStore } from '../../src/stores/postgres/index.js';
import { openPostgresStore } from '../../src/stores/postgres/index.js';
import { indexerLock } from '../../src/stores/postgres/advisory-locks.js';
import { parseChangesPayload } from '../../src/stores/postgres/notifications.js';
import { schemaName } from '../../src/stores/postgres/schema-name.js';
import {
  POSTGRES_URL,
  describePostgres,
  dropSchemas,
  uniqueSchema,
  withAdmin,
} from './postgres-database.js';

describe('change notification payloads', () => {
  it('name the streams', () => {
    expect(parseChangesPayload('["a","ü/b",""]')).toEqual(['a', 'ü/b', '']);
  });

  it('read anything else as "any stream"', () => {
    expect(parseChangesPayload('')).toBeUndefined();
    expect(parseChangesPayload(undefined)).toBeUndefined();
    expect(parseChangesPayload('{')).toBeUndefined();
    expect(parseChangesPayload('[1]')).toBeUndefined();
  });
});

describePostgres('wake-ups across instances (LISTEN/NOTIFY)', () => {
  const stores: PostgresStore[] = [];
  const schemas: string[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await dropSchemas(...schemas.splice(0));
  });

  // The poll would also wake subscribers, but only with "any stream" and only after its
  // interval: with the poll set to a minute, naming the stream within seconds proves NOTIFY.
  const open = async (schema: string) => {
    const store = await openPostgresStore({
      connectionString: POSTGRES_URL,
      schema,
      indexer: { pollIntervalMs: 60_000 },
    });
    stores.push(store);
    return store;
  };

  it("wakes another instance's watchers with the streams its indexer pass covered", async () => {
    const schema = uniqueSchema();
    schemas.push(schema);
    const writer = await open(schema);
    const reader = await open(schema);
    const heard: (readonly string[] | undefined)[] = [];
    const unwatch = reader.watch((streamIds) => heard.push(streamIds));
    const named = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (heard.some((ids) => ids?.includes('ordre-7/é'))) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });

    await writer.commit({
      streamId: 'ordre-7/é',
      expectation: NEW_STREAM,
      events: [{ type: 'placed' }],
      metadata: {},
    });
    await writer.indexNow();
    await named;
    unwatch();
    // And what it woke up for is readable there.
    expect((await reader.readGlobal(0, 10)).map((c) => [c.streamId, c.checkpoint])).toEqual([
      ['ordre-7/é', 0],
    ]);
  });

  it('says "any stream" when the streams of a pass would not fit in a NOTIFY', async () => {
    const schema = uniqueSchema();
    schemas.push(schema);
    const writer = await open(schema);
    const reader = await open(schema);
    // The reader's first look at the enumeration, made when it opened, wakes its watchers
    // once ("any stream"); wait for it so that only NOTIFYs are heard below.
    await reader.indexNow();
    const heard: (readonly string[] | undefined)[] = [];
    const unwatch = reader.watch((streamIds) => heard.push(streamIds));
    // 200 streams of 60-byte ids: about 12.6 KB of JSON, over PostgreSQL's 8000-byte limit.
    // Holding the indexer lock while committing makes the writer's passes give up, so that
    // all 200 are indexed by one pass once it is released (the last commit's, or indexNow's).
    const ids = Array.from(
      { length: 200 },
      (_, i) => `${'s'.repeat(56)}${String(i).padStart(4, '0')}`,
    );
    await withAdmin(async (admin) => {
      const { purpose, schema: key } = indexerLock(schemaName(schema));
      await admin.query('SELECT pg_advisory_lock($1, $2)', [purpose, key]);
      for (const streamId of ids) {
        await writer.commit({ streamId, expectation: NEW_STREAM, events: [{}], metadata: {} });
      }
      await admin.query('SELECT pg_advisory_unlock($1, $2)', [purpose, key]);
    });
    await writer.indexNow();
    expect(await reader.readGlobal(0, 1000)).toHaveLength(200);
    await expect.poll(() => heard.length, { timeout: 5000 }).toBe(1);
    unwatch();
    expect(heard).toEqual([undefined]);
  });
});

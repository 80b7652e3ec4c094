import { afterEach, describe, expect, it } from 'vitest';
import { NEW_STREAM } from '../../src/core/index.js';
import type { PostgresStore } from '../../src/stores/postgres/index.js';
import { openPostgresStore } from '../../src/stores/postgres/index.js';
import { changesPayload, parseChangesPayload } from '../../src/stores/postgres/notifications.js';
import { POSTGRES_URL, describePostgres, dropSchemas, uniqueSchema } from './postgres-database.js';

describe('change notification payloads', () => {
  it('name the streams, and round-trip', () => {
    const payload = changesPayload(['a', 'ü/b', '']);
    expect(parseChangesPayload(payload)).toEqual(['a', 'ü/b', '']);
  });

  it('say "any stream" when the streams would not fit in a NOTIFY', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `stream-${i}`);
    expect(changesPayload(many)).toBe('');
    expect(parseChangesPayload('')).toBeUndefined();
  });

  it('read anything unexpected as "any stream"', () => {
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
        if (heard.some((ids) => ids?.includes('order-7'))) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });

    await writer.commit({
      streamId: 'order-7',
      expectation: NEW_STREAM,
      events: [{ type: 'placed' }],
      metadata: {},
    });
    await writer.indexNow();
    await named;
    unwatch();
    // And what it woke up for is readable there.
    expect((await reader.readGlobal(0, 10)).map((c) => [c.streamId, c.checkpoint])).toEqual([
      ['order-7', 0],
    ]);
  });
});

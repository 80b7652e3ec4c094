import { afterEach, expect, it } from 'vitest';
import type { PostgresStore } from '../../src/stores/postgres/index.js';
import { openPostgresStore } from '../../src/stores/postgres/index.js';
import { POSTGRES_URL, describePostgres, dropSchemas, uniqueSchema } from './postgres-database.js';

describePostgres('runExclusive: a lease across instances', () => {
  const stores: PostgresStore[] = [];
  const schemas: string[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await dropSchemas(...schemas.splice(0));
  });

  const twoInstances = async (): Promise<[PostgresStore, PostgresStore]> => {
    const schema = uniqueSchema();
    schemas.push(schema);
    const a = await openPostgresStore({ connectionString: POSTGRES_URL, schema });
    const b = await openPostgresStore({ connectionString: POSTGRES_URL, schema });
    stores.push(a, b);
    return [a, b];
  };

  it('runs a named job on one instance at a time, and hands it over when done', async () => {
    const [a, b] = await twoInstances();
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = (): void => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = a.runExclusive('statistics', async () => {
      started();
      await held;
      return 'a';
    });
    await running;

    let ranOnB = false;
    expect(
      await b.runExclusive('statistics', () => {
        ranOnB = true;
        return Promise.resolve('b');
      }),
    ).toBeUndefined();
    expect(ranOnB).toBe(false);
    // Another name is another lease.
    expect(await b.runExclusive('other-job', () => Promise.resolve('b'))).toBe('b');

    release();
    expect(await first).toBe('a');
    expect(await b.runExclusive('statistics', () => Promise.resolve('b'))).toBe('b');
  });

  it('releases the lease when the job fails', async () => {
    const [a, b] = await twoInstances();
    await expect(
      a.runExclusive('statistics', () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(await b.runExclusive('statistics', () => Promise.resolve('b'))).toBe('b');
  });
});

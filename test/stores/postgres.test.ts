import { afterAll } from 'vitest';
import { openPostgresStore } from '../../src/stores/postgres/index.js';
import { testEventStore } from '../conformance/index.js';
import { POSTGRES_URL, describePostgres, dropSchemas, uniqueSchema } from './postgres-database.js';

describePostgres('postgres', () => {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(...schemas));

  testEventStore('postgres store', async () => {
    const schema = uniqueSchema();
    schemas.push(schema);
    const store = await openPostgresStore({ connectionString: POSTGRES_URL, schema });
    return { store, settle: () => store.indexNow().then(() => undefined) };
  });
});

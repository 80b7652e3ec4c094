import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { testEventStore } from '../conformance/index.js';

const directory = mkdtempSync(join(tmpdir(), 'ees-sqlite-conformance-'));
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});
let files = 0;

testEventStore('sqlite store (:memory:)', () =>
  Promise.resolve({ store: openSqliteStore({ filename: ':memory:' }) }),
);

testEventStore('sqlite store (WAL file)', () =>
  Promise.resolve({ store: openSqliteStore({ filename: join(directory, `${++files}.db`) }) }),
);

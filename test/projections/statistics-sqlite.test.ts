import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { EventStore } from '../../src/core/index.js';
import { STATISTICS_PROJECTION } from '../../src/core/index.js';
import { catchUpStatistics } from '../../src/projections/index.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';

let directory: string;
const opened: EventStore[] = [];
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'ees-projection-'));
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(directory, { recursive: true, force: true });
});

const open = (): EventStore => {
  const store = openSqliteStore({ filename: join(directory, 'ees.db') });
  opened.push(store);
  return store;
};

// Two connections to one file stand for two server processes racing on one database.
it('counts each changeset once when runners on two SQLite connections race', async () => {
  const [first, second] = [open(), open()];
  for (let n = 0; n < 30; n++) {
    const result = await first.commit({
      streamId: `s${n % 10}`,
      expectation: { kind: 'changeset', lastChangesetId: Math.floor(n / 10) },
      events: [{ n }],
      metadata: {},
    });
    expect(result.status).toBe('committed');
  }
  const expected = {
    checkpoint: 30,
    state: { totalStreams: 10, totalChangesets: 30, totalEvents: 30, maxStreamLength: 3 },
  };
  await Promise.all([
    catchUpStatistics(first, { pageSize: 4 }),
    catchUpStatistics(second, { pageSize: 5 }),
  ]);
  expect(await second.readProjection(STATISTICS_PROJECTION)).toEqual(expected);
  expect(await catchUpStatistics(open())).toEqual(expected);
});

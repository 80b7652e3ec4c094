import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { EventStore } from '../../src/core/index.js';
import { createApp } from '../../src/http/index.js';
import { catchUpStatistics } from '../../src/projections/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { httpClient } from './client.js';
import type { ContractTarget } from './contract.js';
import { testContract } from './contract.js';

const version = '0.1.0';

const inProcess = (store: EventStore, cleanup: () => void = () => undefined): ContractTarget => {
  const app = createApp({ store, version });
  return {
    client: httpClient((path, init) => app.request(path, init)),
    refreshStatistics: async () => {
      await catchUpStatistics(store);
    },
    close: async () => {
      await store.close();
      cleanup();
    },
  };
};

const sqliteFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ees-contract-'));
  return {
    filename: join(dir, 'ees.db'),
    cleanup: () => {
      rmSync(dir, { recursive: true });
    },
  };
};

testContract('in-process app on the memory store', () =>
  Promise.resolve(inProcess(createMemoryStore())),
);

testContract('in-process app on SQLite', () => {
  const { filename, cleanup } = sqliteFile();
  return Promise.resolve(inProcess(openSqliteStore({ filename }), cleanup));
});

testContract('real HTTP server on SQLite', async () => {
  const { filename, cleanup } = sqliteFile();
  const target = inProcess(openSqliteStore({ filename }), cleanup);
  const store = openSqliteStore({ filename });
  const app = createApp({ store, version });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    client: httpClient((path, init) => fetch(`http://127.0.0.1:${port}${path}`, init)),
    refreshStatistics: target.refreshStatistics,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await store.close();
      await target.close();
    },
  };
});

import { afterEach, describe, expect, it } from 'vitest';
import type { EesError, EventStore } from '../../src/core/index.js';
import { errors } from '../../src/core/index.js';
import type { AppOptions } from '../../src/http/index.js';
import {
  atMostEvery,
  atMostEveryKind,
  createApp,
  describeStoreUnavailable,
} from '../../src/http/index.js';
import { resolveConfig } from '../../src/runtime/config.js';
import type { RunningServer } from '../../src/runtime/server.js';
import { startServer } from '../../src/runtime/server.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';

/** A store whose reads fail as a lost database's do, or never answer, when told to. */
function flakyStore(inner: EventStore = createMemoryStore()) {
  let mode: 'ok' | 'failing' | 'hanging' = 'ok';
  const store: EventStore = {
    ...inner,
    readGlobal: (checkpoint, limit, maxBytes) => {
      if (mode === 'failing') {
        return Promise.reject(
          errors.storeUnavailable(new Error('connect ECONNREFUSED db.internal:5432')),
        );
      }
      if (mode === 'hanging') return new Promise(() => undefined);
      return inner.readGlobal(checkpoint, limit, maxBytes);
    },
  };
  return {
    store,
    set: (next: typeof mode) => {
      mode = next;
    },
  };
}

const appOver = (store: EventStore, options: Partial<AppOptions> = {}) =>
  createApp({ store, version: '1', ...options });

const get = async (app: ReturnType<typeof createApp>, path: string) => {
  const response = await app.request(path);
  const body: unknown = await response.json();
  return { status: response.status, body };
};

describe('GET /health/live', () => {
  it('answers 200 {"status":"ok"} while the process serves, whatever the store does', async () => {
    const flaky = flakyStore();
    const app = appOver(flaky.store);
    expect(await get(app, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    flaky.set('failing');
    expect(await get(app, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
  });
});

describe('GET /health/ready', () => {
  it('answers 200 {"status":"ok"} when the store answers', async () => {
    const app = appOver(openSqliteStore({ filename: ':memory:' }));
    expect(await get(app, '/health/ready')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers 503 while reads fail, without the store error, and 200 again once they work', async () => {
    const flaky = flakyStore();
    const app = appOver(flaky.store);
    flaky.set('failing');
    const failing = await get(app, '/health/ready');
    expect(failing).toEqual({
      status: 503,
      body: { status: 'unavailable', message: 'The event store is unavailable.' },
    });
    expect(JSON.stringify(failing.body)).not.toContain('db.internal');
    flaky.set('ok');
    expect(await get(app, '/health/ready')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers 503 when a read throws anything at all (a closed SQLite database)', async () => {
    const sqlite = openSqliteStore({ filename: ':memory:' });
    const app = appOver(sqlite);
    await sqlite.close();
    expect(await get(app, '/health/ready')).toEqual({
      status: 503,
      body: { status: 'unavailable', message: 'The event store is unavailable.' },
    });
  });

  it('answers 503 within the timeout when the store does not answer', async () => {
    const flaky = flakyStore();
    flaky.set('hanging');
    const app = appOver(flaky.store, { health: { readyTimeoutMs: 50 } });
    const started = Date.now();
    expect(await get(app, '/health/ready')).toEqual({
      status: 503,
      body: { status: 'unavailable', message: 'The event store did not answer within 50 ms.' },
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers 503 once the server is shutting down, so balancers stop sending traffic', async () => {
    const shutdown = new AbortController();
    const app = appOver(createMemoryStore(), { shutdown: shutdown.signal });
    expect((await get(app, '/health/ready')).status).toBe(200);
    shutdown.abort();
    expect(await get(app, '/health/ready')).toEqual({
      status: 503,
      body: { status: 'unavailable', message: 'The server is shutting down.' },
    });
  });
});

describe('the health endpoints in the OpenAPI document', () => {
  it('are described, readiness with its 503', async () => {
    const doc = (await get(appOver(createMemoryStore()), '/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    // Beside the answers any request can get (400, 408, 414, 431, 500).
    const statuses = (path: string) => Object.keys(doc.paths[path]?.get?.responses ?? {});
    expect(statuses('/health/live')).toEqual(['200', '400', '408', '414', '431', '500']);
    expect(statuses('/health/ready')).toEqual(['200', '400', '408', '414', '431', '500', '503']);
  });
});

describe('reporting STORE_UNAVAILABLE', () => {
  it('reports every 503 STORE_UNAVAILABLE answer with the store failure as its cause', async () => {
    const flaky = flakyStore();
    const reported: unknown[] = [];
    const app = appOver(flaky.store, {
      onStoreUnavailable: (error) => reported.push(error.cause),
    });
    flaky.set('failing');
    expect((await app.request('/changesets')).status).toBe(503);
    expect((await app.request('/changesets')).status).toBe(503);
    expect(reported.map(String)).toEqual([
      'Error: connect ECONNREFUSED db.internal:5432',
      'Error: connect ECONNREFUSED db.internal:5432',
    ]);
    flaky.set('ok');
    expect((await app.request('/changesets')).status).toBe(200);
    expect(reported).toHaveLength(2);
  });

  it('atMostEvery reports the first of a flood, then one per interval with the count between', () => {
    let now = 0;
    const lines: string[] = [];
    const report = atMostEvery(
      10_000,
      (error: EesError, skipped) => lines.push(describeStoreUnavailable(error, skipped)),
      () => now,
    );
    const failure = errors.storeUnavailable(new Error('disk I/O error'));
    for (const at of [0, 1, 9_999, 10_000, 10_500, 25_000]) {
      now = at;
      report(failure);
    }
    expect(lines).toEqual([
      'store unavailable: disk I/O error',
      'store unavailable: disk I/O error (2 more since the last report)',
      'store unavailable: disk I/O error (1 more since the last report)',
    ]);
  });
});

describe('reporting unexpected errors', () => {
  it('atMostEveryKind reports each kind at once, then one per interval with the count', () => {
    let now = 0;
    const lines: string[] = [];
    const report = atMostEveryKind(
      10_000,
      (line: string) => line,
      (line, skipped) => lines.push(`${line} +${skipped}`),
      () => now,
      2,
    );
    for (const [at, line] of [
      [0, 'a'],
      [1, 'a'],
      [2, 'b'],
      [3, 'a'],
      [10_001, 'a'],
      [10_002, 'c'], // a third kind: the two known are forgotten
      [10_003, 'a'],
    ] as const) {
      now = at;
      report(line);
    }
    expect(lines).toEqual(['a +0', 'b +0', 'a +2', 'c +0', 'a +0']);
  });

  it('logs the same unexpected error once per 10 s over a real server, with its stack', async () => {
    const inner = createMemoryStore();
    const store: EventStore = {
      ...inner,
      readGlobal: () => Promise.reject(new Error('database disk image is malformed')),
      readChangesets: () => Promise.reject(new Error('another failure')),
    };
    const log: string[] = [];
    const server = await startServer({
      config: resolveConfig({}, ['--port', '0']),
      store,
      version: '1',
      log: (line) => log.push(line),
    });
    try {
      for (let n = 0; n < 5; n++) {
        expect((await fetch(`${server.url}/changesets`)).status).toBe(500);
      }
      expect((await fetch(`${server.url}/streams/s/changesets`)).status).toBe(500);
    } finally {
      await server.close();
    }
    const unexpected = log.filter((line) => line.startsWith('unexpected error: '));
    expect(unexpected).toHaveLength(2);
    expect(unexpected[0]).toMatch(
      /^unexpected error: Error: database disk image is malformed\n\s+at /,
    );
    expect(unexpected[1]).toMatch(/^unexpected error: Error: another failure\n\s+at /);
  });
});

describe('health over a real server', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('serves both endpoints, and readiness follows the store', async () => {
    const flaky = flakyStore();
    const log: string[] = [];
    server = await startServer({
      config: resolveConfig({}, ['--port', '0']),
      store: flaky.store,
      version: '1',
      log: (line) => log.push(line),
    });
    const fetchJson = async (path: string) => {
      const response = await fetch(`${server?.url ?? ''}${path}`);
      return [response.status, await response.json()] as const;
    };
    expect(await fetchJson('/health/live')).toEqual([200, { status: 'ok' }]);
    expect(await fetchJson('/health/ready')).toEqual([200, { status: 'ok' }]);
    flaky.set('failing');
    expect(await fetchJson('/health/ready')).toEqual([
      503,
      { status: 'unavailable', message: 'The event store is unavailable.' },
    ]);
    expect(await fetchJson('/health/live')).toEqual([200, { status: 'ok' }]);
    // A flood of 503s is one line in the log, naming why.
    for (let n = 0; n < 5; n++) expect((await fetchJson('/changesets'))[0]).toBe(503);
    expect(log.filter((line) => line.startsWith('store unavailable:'))).toEqual([
      'store unavailable: connect ECONNREFUSED db.internal:5432',
    ]);
  });
});

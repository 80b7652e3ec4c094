import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/core/index.js';
import { resolveConfig } from '../../src/runtime/config.js';
import { ListenError } from '../../src/runtime/errors.js';
import type { RunningServer } from '../../src/runtime/server.js';
import { startServer } from '../../src/runtime/server.js';
import { openStore } from '../../src/runtime/stores.js';
import { readPackageVersion } from '../../src/runtime/version.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { waitFor } from './wait-for.js';

let directory: string;
let server: RunningServer | undefined;
const logged: string[] = [];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'ees-server-'));
  logged.length = 0;
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(directory, { recursive: true, force: true });
});

const log = (line: string) => logged.push(line);

async function start(store: EventStore, flags: string[] = []): Promise<RunningServer> {
  const config = resolveConfig({}, ['--port', '0', ...flags]);
  server = await startServer({ config, store, version: '9.8.7', log });
  return server;
}

const commit = (url: string, streamId: string, events: object[]) =>
  fetch(`${url}/streams/${streamId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });

describe('startServer', () => {
  it('serves the contract on the real port it was given', async () => {
    const dbFile = join(directory, 'ees.db');
    const { url } = await start(await openStore(`sqlite:${dbFile}`));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
    const response = await fetch(`${url}/version`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ version: '9.8.7' });
  });

  it('keeps GET /streams current through the statistics projector', async () => {
    const { url } = await start(createMemoryStore(), ['--stats-interval', '0.05']);
    await waitFor(async () => (await fetch(`${url}/streams`)).status === 200);
    expect((await commit(url, 'a', [{ n: 1 }, { n: 2 }])).status).toBe(200);
    await waitFor(async () => {
      const body = (await (await fetch(`${url}/streams`)).json()) as Record<string, number>;
      return body.total_events === 2;
    });
    expect(await (await fetch(`${url}/streams`)).json()).toEqual({
      total_streams: 1,
      total_changesets: 1,
      total_events: 2,
      max_stream_length: 1,
      statistics_version: 1,
    });
    expect(logged).toEqual([]);
  });

  it('finishes requests in flight on close, then closes the store', async () => {
    const history: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const memory = createMemoryStore();
    const slow: EventStore = {
      ...memory,
      commit: async (request) => {
        history.push('commit started');
        await gate;
        history.push('commit finished');
        return memory.commit(request);
      },
      close: async () => {
        history.push('store closed');
        await memory.close();
      },
    };
    const running = await start(slow);
    const { url } = running;
    const inFlight = commit(url, 'slow', [{ n: 1 }]);
    await waitFor(() => Promise.resolve(history.includes('commit started')));
    const closing = running.close();
    // A new connection is refused once closing has begun.
    await expect(fetch(`${url}/version`)).rejects.toThrow();
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ stream_id: 'slow', changeset_id: 1 });
    await closing;
    expect(history).toEqual(['commit started', 'commit finished', 'store closed']);
    expect(running.close()).toBe(closing);
  });

  it('cuts requests that outlast the shutdown grace period', async () => {
    const memory = createMemoryStore();
    let started = false;
    const stuck: EventStore = {
      ...memory,
      commit: () => {
        started = true;
        return new Promise(() => undefined);
      },
    };
    const config = resolveConfig({}, ['--port', '0']);
    const running = await startServer({
      config,
      store: stuck,
      version: '1',
      log,
      shutdownGraceMs: 50,
    });
    const inFlight = commit(running.url, 'stuck', [{ n: 1 }]);
    await waitFor(() => Promise.resolve(started));
    await running.close();
    await expect(inFlight).rejects.toThrow();
  });

  it('reports a port in use, and closes the store it was given', async () => {
    const first = await start(createMemoryStore());
    const port = Number(new URL(first.url).port);
    let closed = false;
    const store: EventStore = {
      ...createMemoryStore(),
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };
    const config = resolveConfig({}, ['--port', String(port)]);
    const failure = startServer({ config, store, version: '1', log });
    await expect(failure).rejects.toBeInstanceOf(ListenError);
    await expect(failure).rejects.toThrow(`cannot listen on http://127.0.0.1:${port}: EADDRINUSE`);
    expect(closed).toBe(true);
  });

  it('reads the version from package.json', () => {
    expect(readPackageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

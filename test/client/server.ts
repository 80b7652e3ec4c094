import type { AddressInfo, Socket } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import type { EventStore } from '../../src/core/index.js';
import { resolveConfig } from '../../src/runtime/config.js';
import type { RunningServer } from '../../src/runtime/server.js';
import { startServer } from '../../src/runtime/server.js';
import { openStore } from '../../src/runtime/stores.js';

export interface TestServer extends RunningServer {
  /** What the server reported while it ran; a test ends by checking it is empty. */
  readonly logged: string[];
}

/**
 * A real listening server in this process, on a free port unless `flags` say otherwise, over
 * the given store or database URL (default: a throwaway SQLite database).
 */
export async function startTestServer(
  store: EventStore | string = 'sqlite::memory:',
  flags: string[] = [],
): Promise<TestServer> {
  const logged: string[] = [];
  const config = resolveConfig({}, ['--port', '0', ...flags]);
  const server = await startServer({
    config,
    store: typeof store === 'string' ? await openStore(store) : store,
    version: '9.8.7',
    log: (line) => logged.push(line),
    shutdownGraceMs: 2_000,
  });
  return { url: server.url, close: () => server.close(), logged };
}

/** Commits without the SDK, so that subscription tests do not depend on the code they test. */
export async function commitRaw(
  url: string,
  streamId: string,
  events: object[],
  expectedLastChangeset = 0,
  metadata?: object,
): Promise<void> {
  const response = await fetch(
    `${url}/streams/${encodeURIComponent(streamId)}?expected_last_changeset=${expectedLastChangeset}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events, ...(metadata === undefined ? {} : { metadata }) }),
    },
  );
  if (response.status !== 200) {
    throw new Error(`commit failed: ${response.status} ${await response.text()}`);
  }
}

/** Takes the next `count` values of an iterator (without ending it). */
export async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  while (values.length < count) {
    const next = await iterator.next();
    if (next.done === true) throw new Error(`the iteration ended after ${values.length} values`);
    values.push(next.value);
  }
  return values;
}

/** A TCP server that accepts connections and reads requests but never answers. */
export interface SilentServer {
  readonly url: string;
  /** How many requests have started to arrive (connections that sent bytes). */
  requests(): number;
  close(): Promise<void>;
}

/**
 * A server that accepts every connection and never answers: what a hung server or a black-hole
 * proxy looks like to a client, which then waits until it gives up by itself.
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => (requests += 1));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  POSTGRES_URL,
  describePostgres,
  dropSchemas,
  uniqueSchema,
} from '../stores/postgres-database.js';
import { TcpProxy } from '../stores/tcp-proxy.js';
import type { EesProcess } from './cli-process.js';
import { listeningUrl, runEes } from './cli-process.js';
import type { JsonResponse } from './postgres-process.js';
import { call, commit, databaseUrl, stop } from './postgres-process.js';
import { waitFor } from './wait-for.js';
import { closedPort } from '../setup/ports.js';

/*
 * A real `ees serve` process whose database goes away and comes back, through a TCP proxy the
 * test breaks on purpose. The store's timeouts are its defaults, which the runtime does not
 * change: 5 s to get a connection, 10 s for a statement to answer.
 */

/** Longer than any wait the store's timeouts allow (a pooled statement, then a new connection). */
const ANSWER_DEADLINE_MS = 30_000;

const processes: EesProcess[] = [];

/** Starts `ees serve` and remembers it, so that `afterAll` kills it whatever happened. */
function ees(args: string[]): EesProcess {
  const started = runEes(args);
  processes.push(started);
  return started;
}

afterAll(async () => {
  for (const started of processes) started.child.kill('SIGKILL');
  await Promise.all(processes.map((started) => started.exited));
});

/** Asserts the process exited 1 with exactly one `ees: ...` line on stderr and no stack trace. */
async function expectOneLineFailure(started: EesProcess, line: RegExp): Promise<void> {
  expect(await started.exited).toEqual({ code: 1, signal: null });
  expect(started.stdout()).toBe('');
  const lines = started.stderr().trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(line);
  expect(started.stderr()).not.toMatch(/\n\s+at /);
  expect(started.stderr()).not.toContain('hunter2');
}

// Covered at the `openStore` level in stores-postgres.test.ts; here: what the operator sees.
// Concurrent: the second one waits out the connection timeout.
describe.concurrent('ees serve with PostgreSQL unreachable at start', () => {
  it('a refused connection: exit 1, one line naming where it looked, no password', async () => {
    const port = await closedPort();
    const url = `postgres://ees:hunter2@127.0.0.1:${port}/test?schema=ees_x`;
    await expectOneLineFailure(
      ees(['serve', '--port', '0', '--database-url', url]),
      new RegExp(
        `^ees: cannot open database URL "postgres://ees:\\*\\*\\*@127\\.0\\.0\\.1:${port}/test\\?schema=ees_x": Cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`,
      ),
    );
  });

  it('a server that accepts but never answers: exit 1 after the connection timeout, one line', async () => {
    const proxy = await TcpProxy.start('127.0.0.1', await closedPort());
    proxy.blackHole();
    try {
      const url = databaseUrl(uniqueSchema('ees_faults'), {
        port: proxy.port,
        password: 'hunter2',
      });
      await expectOneLineFailure(
        ees(['serve', '--port', '0', '--database-url', url]),
        new RegExp(
          `^ees: cannot open database URL ".*": Cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${proxy.port}: .*timeout`,
        ),
      );
    } finally {
      await proxy.close();
    }
  });
});

describePostgres('ees serve when PostgreSQL goes away while serving', () => {
  const schema = uniqueSchema('ees_faults');
  let proxy: TcpProxy;
  let server: EesProcess;
  let url = '';
  /** Changesets of stream `s` committed so far. */
  let committed = 0;

  beforeAll(async () => {
    const target = new URL(POSTGRES_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    server = ees([
      'serve',
      '--port',
      '0',
      '--database-url',
      databaseUrl(schema, { host: '127.0.0.1', port: proxy.port }),
      '--stats-interval',
      '0.2',
    ]);
    url = await listeningUrl(server);
  });
  afterAll(async () => {
    if (server.child.exitCode === null) await stop(server);
    await proxy.close();
    await dropSchemas(schema);
  });

  const eventOf = (n: number) => ({ type: 'faulted', n });
  const nextChangeset = () => ({ events: [eventOf(committed + 1)] });

  /** Commits the next changeset of `s`, which must succeed. */
  async function commitNext(): Promise<void> {
    const response = await commit(
      url,
      's',
      `expected_last_changeset=${committed}`,
      nextChangeset(),
    );
    expect(response).toEqual({
      status: 200,
      body: { stream_id: 's', changeset_id: committed + 1 },
    });
    committed++;
  }

  /**
   * Every kind of request at once, each of which must answer 503 STORE_UNAVAILABLE before
   * `ANSWER_DEADLINE_MS`, while `GET /version` (no store) still answers: the process is up.
   */
  async function expectUnavailable(): Promise<void> {
    const requests: [string, string | undefined, Promise<JsonResponse>][] = [
      [
        'commit',
        's',
        commit(
          url,
          's',
          `expected_last_changeset=${committed}`,
          nextChangeset(),
          ANSWER_DEADLINE_MS,
        ),
      ],
      ['changesets', 's', call(`${url}/streams/s/changesets`, { deadlineMs: ANSWER_DEADLINE_MS })],
      ['events', 's', call(`${url}/streams/s/events?from=1`, { deadlineMs: ANSWER_DEADLINE_MS })],
      ['global', undefined, call(`${url}/changesets`, { deadlineMs: ANSWER_DEADLINE_MS })],
      ['statistics', undefined, call(`${url}/streams`, { deadlineMs: ANSWER_DEADLINE_MS })],
    ];
    for (const [name, streamId, answer] of requests) {
      const { status, body } = await answer;
      expect({ name, status }).toEqual({ name, status: 503 });
      const { stream_id: echoed, ...rest } = body as Record<string, unknown>;
      expect(rest).toEqual({
        error: 'STORE_UNAVAILABLE',
        message: 'The event store is temporarily unavailable. Retry later.',
      });
      // A stream route may name its stream; a route without one never does.
      if (echoed !== undefined) expect(echoed).toBe(streamId);
    }
    expect(server.child.exitCode).toBeNull();
    expect(await call(`${url}/version`)).toMatchObject({ status: 200 });
  }

  /** With the database back, the same process commits and serves every read again. */
  async function expectRecovered(): Promise<void> {
    await waitFor(async () => {
      const { status } = await call(`${url}/streams/s/changesets`);
      return status === 200;
    }, 20_000);
    await commitNext();
    const expectedChangesets = Array.from({ length: committed }, (_, i) => ({
      stream_id: 's',
      changeset_id: i + 1,
      checkpoint: i,
    }));
    await waitFor(async () => {
      const { body } = await call(`${url}/changesets?limit=100`);
      return (body as { changesets: unknown[] }).changesets.length === committed;
    });
    const page = await call(`${url}/changesets?limit=100`);
    expect(page).toMatchObject({ status: 200, body: { changesets: expectedChangesets } });
    expect(await call(`${url}/streams/s/events?from=${committed}`)).toEqual({
      status: 200,
      body: { stream_id: 's', events: [{ id: committed, data: eventOf(committed) }] },
    });
    await waitFor(async () => {
      const { status, body } = await call(`${url}/streams`);
      return (
        status === 200 && (body as { total_changesets: number }).total_changesets === committed
      );
    });
  }

  it('a stopped database: every request answers 503, the process stays up and recovers', async () => {
    await commitNext();
    await proxy.refuse();
    await expectUnavailable();
    await proxy.restore();
    await expectRecovered();
  });

  it('a cut network: every request answers 503 within the timeouts, never hangs, and recovers', async () => {
    proxy.blackHole();
    await expectUnavailable();
    await proxy.restore();
    await expectRecovered();
  }, 60_000);

  it('logged only the outages, in few lines, and still shuts down cleanly', async () => {
    expect(await stop(server)).toEqual({ code: 0, signal: null });
    const lines = server
      .stderr()
      .split('\n')
      .filter((line) => line !== '');
    // The 503s: one line naming the cause, then at most one every 10 s, for dozens of answers.
    const unavailable = lines.filter((line) => line.startsWith('ees: store unavailable: '));
    expect(unavailable.length).toBeGreaterThanOrEqual(1);
    expect(unavailable.length).toBeLessThanOrEqual(8);
    // Besides: the statistics projector reports each failed pass, one line each, and nothing
    // else went wrong. (Whether a pass fell inside an outage depends on timing.)
    for (const line of lines.filter((line) => !unavailable.includes(line))) {
      expect(line).toBe(
        'ees: statistics projector: The event store is temporarily unavailable. Retry later.',
      );
    }
  });
});

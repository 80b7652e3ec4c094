import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import type { EventStoreClient } from '../../src/client/index.js';
import type { SilentServer, TestServer } from '../client/server.js';
import { commitRaw, startSilentServer, startTestServer } from '../client/server.js';
import { CLI, ROOT } from './cli-process.js';
import { waitFor } from './wait-for.js';

interface Run {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: Run[] = [];
let server: TestServer;
let client: EventStoreClient;
let streamCounter = 0;
const freshStream = () => `cli-${++streamCounter}`;

/**
 * Runs the built `ees` with only the given environment (plus PATH and, unless given, EES_URL
 * pointing at the test server), feeding `input` to its stdin.
 */
function ees(
  args: string[],
  options: {
    env?: Record<string, string>;
    input?: string | readonly Uint8Array[];
    /** Writes `input` but leaves stdin open, as a terminal does until Ctrl-D. */
    holdStdin?: boolean;
  } = {},
): Run {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', EES_URL: server.url, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const { input = '' } = options;
  if (options.holdStdin === true && typeof input === 'string') child.stdin.write(input);
  else if (typeof input === 'string') child.stdin.end(input);
  else void writeApart(child.stdin, input);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  const run = { child, stdout: () => out, stderr: () => err, exited };
  running.push(run);
  return run;
}

/** Writes `chunks` a moment apart, so that the reader gets them as separate reads. */
async function writeApart(stream: Writable, chunks: readonly Uint8Array[]): Promise<void> {
  for (const chunk of chunks) {
    stream.write(chunk);
    await sleep(100);
  }
  stream.end();
}

/** Runs to the end; expects success and nothing on stderr. */
async function succeeds(args: string[], options?: Parameters<typeof ees>[1]): Promise<string> {
  const run = ees(args, options);
  const { code } = await run.exited;
  expect(run.stderr()).toBe('');
  expect(code).toBe(0);
  return run.stdout();
}

/** Expects exit code `exitCode` with one `ees: ...` line on stderr and nothing on stdout. */
async function fails(
  args: string[],
  exitCode: number,
  pattern: RegExp,
  options?: Parameters<typeof ees>[1],
): Promise<string> {
  const run = ees(args, options);
  const { code } = await run.exited;
  const lines = run.stderr().trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ees: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr()).not.toMatch(/\n\s+at /);
  expect(run.stdout()).toBe('');
  expect(code).toBe(exitCode);
  return lines[0] ?? '';
}

const jsonLines = (text: string): unknown[] =>
  text
    .trimEnd()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);

beforeAll(async () => {
  // The CLI runs as it ships: compiled, by the run's global setup (test/setup/build.ts).
  server = await startTestServer('sqlite::memory:', ['--stats-interval', '0.05']);
  client = createClient({ url: server.url });
}, 120_000);
afterEach(() => {
  for (const run of running.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  }
});
afterAll(async () => {
  await server.close();
  expect(server.logged).toEqual([]);
});

describe('ees append', () => {
  it('commits events given as an argument, one event object, or stdin', async () => {
    const id = freshStream();
    expect(await succeeds(['append', id, '[{"n":1},{"n":2}]'])).toBe(
      `committed changeset 1 to ${id}\n`,
    );
    expect(
      await succeeds([
        'append',
        id,
        '--expected-changeset',
        '1',
        '--metadata',
        '{"user":"ada"}',
        '{"n":3}',
        '--json',
      ]),
    ).toBe(`{"stream_id":"${id}","changeset_id":2}\n`);
    expect(
      await succeeds(['append', '--expected-event', '3', id, '-'], { input: '[{"n":4}]\n' }),
    ).toBe(`committed changeset 3 to ${id}\n`);
    expect(await client.readChangesets(id)).toEqual([
      { changesetId: 1, events: [{ n: 1 }, { n: 2 }], metadata: {} },
      { changesetId: 2, events: [{ n: 3 }], metadata: { user: 'ada' } },
      { changesetId: 3, events: [{ n: 4 }], metadata: {} },
    ]);
  });

  it('reads stdin as UTF-8 whole, whatever the chunks it arrives in', async () => {
    const id = freshStream();
    const bytes = Buffer.from('[{"s":"é☕"}]');
    // Cut inside "é" (2 bytes) and inside "☕" (3 bytes).
    const input = [bytes.subarray(0, 8), bytes.subarray(8, 11), bytes.subarray(11)];
    expect(await succeeds(['append', id, '-'], { input })).toBe(`committed changeset 1 to ${id}\n`);
    expect(await client.readChangesets(id)).toEqual([
      { changesetId: 1, events: [{ s: 'é☕' }], metadata: {} },
    ]);
    const latin1 = [Buffer.from('[{"s":"'), Buffer.from([0xe9]), Buffer.from('"}]')];
    expect(await fails(['append', id, '-'], 2, /UTF-8/, { input: latin1 })).toBe(
      'ees: standard input is not UTF-8 text',
    );
  });

  it('reports a conflict with the changesets that won, and exits 1', async () => {
    const id = freshStream();
    await client.commit(id, { events: [{ n: 1 }, { n: 2 }] });
    await client.commit(id, { events: [{ n: 3 }], expectedLastChangeset: 1 });
    const line = await fails(['append', id, '[{"n":9}]'], 1, /OPTIMISTIC_CONCURRENCY_EXCEPTION/);
    expect(line).toBe(
      'ees: OPTIMISTIC_CONCURRENCY_EXCEPTION: The expected last changeset (0) is outdated, review the changeset(s) appended after it. 2 changesets committed since: #1 (2 events), #2 (1 event); the stream now ends at changeset 2',
    );
    expect(await client.readChangesets(id)).toHaveLength(2);
  });

  it('reports what the server refuses in one line, and exits 1', async () => {
    const id = freshStream();
    await fails(['append', id, '[]'], 1, /^ees: INVALID_EVENTS: "events" must be a non-empty/);
    await fails(
      ['append', id, '--expected-changeset', '4', '{"n":1}'],
      1,
      /INVALID_EXPECTED_CHANGESET_ID/,
    );
  });
});

describe('ees read', () => {
  let id: string;
  beforeAll(async () => {
    id = freshStream();
    await client.commit(id, { events: [{ n: 1 }, { n: 2 }] });
    await client.commit(id, {
      events: [{ n: 3 }],
      metadata: { user: 'ada' },
      expectedLastChangeset: 1,
    });
    for (let changeset = 2; changeset < 10; changeset++) {
      await client.commit(id, { events: [{ n: changeset + 2 }], expectedLastChangeset: changeset });
    }
  });

  it('prints one line per changeset', async () => {
    expect(await succeeds(['read', id, '--to', '3'])).toBe(
      ['#1  {"n":1} {"n":2}', '#2  {"n":3}  metadata {"user":"ada"}', '#3  {"n":4}', ''].join('\n'),
    );
    // Ids are padded to the widest.
    expect((await succeeds(['read', id, '--from', '9'])).split('\n')).toEqual([
      '#9   {"n":10}',
      '#10  {"n":11}',
      '',
    ]);
  });

  it('prints events, and JSON lines in the API shapes', async () => {
    expect(await succeeds(['read', id, '--events', '--from', '2', '--to', '3'])).toBe(
      '2  {"n":2}\n3  {"n":3}\n',
    );
    expect(jsonLines(await succeeds(['read', id, '--json', '--to', '2']))).toEqual([
      { stream_id: id, changeset_id: 1, events: [{ n: 1 }, { n: 2 }], metadata: {} },
      { stream_id: id, changeset_id: 2, events: [{ n: 3 }], metadata: { user: 'ada' } },
    ]);
    expect(jsonLines(await succeeds(['read', id, '--events', '--json', '--to', '1']))).toEqual([
      { stream_id: id, event_id: 1, data: { n: 1 } },
    ]);
  });

  it('prints nothing for an empty range, and exits 1 for an unknown stream', async () => {
    expect(await succeeds(['read', id, '--from', '50'])).toBe('');
    await fails(
      ['read', 'no-such-stream'],
      1,
      /^ees: STREAM_NOT_FOUND: The specified stream\(no-such-stream\) doesn't exist$/,
    );
  });
});

describe('ees stats', () => {
  it('prints the statistics as a table or JSON', async () => {
    await client.commit(freshStream(), { events: [{ n: 1 }] });
    await waitFor(async () => {
      const statistics = await client.statistics();
      const page = await client.readGlobal({ checkpoint: 0, limit: 1000 });
      return statistics?.statisticsVersion === page.nextCheckpoint;
    });
    const statistics = await client.statistics();
    const text = await succeeds(['stats']);
    expect(text).toContain(`streams           ${statistics?.totalStreams}\n`);
    expect(text).toContain(`as of checkpoint  ${statistics?.statisticsVersion}\n`);
    expect(jsonLines(await succeeds(['stats', '--json']))).toEqual([
      {
        total_streams: statistics?.totalStreams,
        total_changesets: statistics?.totalChangesets,
        total_events: statistics?.totalEvents,
        max_stream_length: statistics?.maxStreamLength,
        statistics_version: statistics?.statisticsVersion,
      },
    ]);
  });

  it('takes the token from EES_TOKEN or --token, and says when there are no statistics yet', async () => {
    const authorizations: (string | undefined)[] = [];
    const fake = createServer((request, response) => {
      authorizations.push(request.headers.authorization);
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"error":"Statistics are not yet generated"}');
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      expect(await succeeds(['stats'], { env: { EES_URL: url, EES_TOKEN: 't0ken' } })).toBe(
        'statistics are not yet generated\n',
      );
      expect(
        await succeeds(['stats', '--json', '--url', url, '--token', 'flag'], {
          env: { EES_TOKEN: 'env' },
        }),
      ).toBe('null\n');
      expect(authorizations).toEqual(['Bearer t0ken', 'Bearer flag']);
    } finally {
      fake.closeAllConnections();
      await new Promise((resolve) => fake.close(resolve));
    }
  });
});

describe('ees tail', () => {
  it('prints what is stored, then commits made after it started, until Ctrl-C', async () => {
    const id = freshStream();
    await client.commit(id, { events: [{ n: 1 }] });
    let checkpoint = -1;
    for await (const changeset of client.enumerate()) {
      if (changeset.streamId === id) checkpoint = changeset.checkpoint;
    }
    const tail = ees(['tail', '--json', '--checkpoint', String(checkpoint)]);
    await waitFor(() => Promise.resolve(tail.stdout().split('\n').length > 1));
    await client.commit(id, { events: [{ n: 2 }, { n: 3 }], expectedLastChangeset: 1 });
    await waitFor(() => Promise.resolve(tail.stdout().includes('"changeset_id":2')));
    tail.child.kill('SIGINT');
    expect(await tail.exited).toEqual({ code: 0, signal: null });
    expect(tail.stderr()).toBe('');
    const lines = jsonLines(tail.stdout());
    expect(lines[0]).toEqual({
      stream_id: id,
      changeset_id: 1,
      events: [{ n: 1 }],
      metadata: {},
      checkpoint,
    });
    expect(lines.at(-1)).toEqual({
      stream_id: id,
      changeset_id: 2,
      events: [{ n: 2 }, { n: 3 }],
      metadata: {},
      checkpoint: expect.any(Number) as unknown,
    });
  });

  it('follows one stream’s events as text, and stops on SIGTERM', async () => {
    const id = freshStream();
    await client.commit(id, { events: [{ n: 1 }, { n: 2 }] });
    const tail = ees(['tail', id, '--events', '--from', '2']);
    await waitFor(() => Promise.resolve(tail.stdout().includes('\n')));
    await client.commit(freshStream(), { events: [{ other: true }] });
    await client.commit(id, { events: [{ n: 3 }], expectedLastChangeset: 1 });
    await waitFor(() => Promise.resolve(tail.stdout().split('\n').length > 2));
    tail.child.kill('SIGTERM');
    expect(await tail.exited).toEqual({ code: 0, signal: null });
    const lines = tail.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^@1\\.1  ${id} #1 event 2  \\{"n":2\\}$`));
    expect(lines[1]).toMatch(new RegExp(`^@2\\.0  ${id} #2 event 3  \\{"n":3\\}$`));
  });
});

describe('ees tail reconnecting', () => {
  it('says why the connection was lost, with the cause fetch gives', async () => {
    const away = await startTestServer('memory:');
    const tail = ees(['tail'], { env: { EES_URL: away.url } });
    await commitRaw(away.url, 'gone', [{ n: 1 }]);
    await waitFor(() => Promise.resolve(tail.stdout().includes('gone')));
    await away.close();
    await waitFor(() => Promise.resolve(tail.stderr().includes('ECONNREFUSED')), 10_000);
    tail.child.kill('SIGINT');
    expect(await tail.exited).toEqual({ code: 0, signal: null });
    const port = new URL(away.url).port;
    const lines = tail.stderr().trimEnd().split('\n');
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^ees: connection lost \\(fetch failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\); reconnecting in \\d+\\.\\d s$`,
        ),
      ),
    );
  });
});

describe('interruption', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(async () => {
    await silent.close();
  });

  /** Sends `signal` once the command's request reached the server, then times the exit. */
  async function interrupt(args: string[], signal: 'SIGINT' | 'SIGTERM') {
    const before = silent.requests();
    const run = ees(args, { env: { EES_URL: silent.url } });
    await waitFor(() => Promise.resolve(silent.requests() > before));
    const sentAt = Date.now();
    run.child.kill(signal);
    const exit = await run.exited;
    return { run, exit, ms: Date.now() - sentAt };
  }

  it.each([[['read', 's']], [['read', 's', '--events']], [['stats']], [['append', 's', '{}']]])(
    'ees %j exits 130 at once on Ctrl-C while the server does not answer',
    async (args) => {
      const { run, exit, ms } = await interrupt(args, 'SIGINT');
      expect(exit).toEqual({ code: 130, signal: null });
      expect(run.stderr()).toBe('ees: interrupted\n');
      expect(run.stdout()).toBe('');
      expect(ms).toBeLessThan(2_000);
    },
  );

  it('exits 143 on SIGTERM; tail interrupted before it tails exits 130', async () => {
    const read = await interrupt(['read', 's'], 'SIGTERM');
    expect(read.exit).toEqual({ code: 143, signal: null });
    expect(read.run.stderr()).toBe('ees: interrupted\n');
    const tail = await interrupt(['tail'], 'SIGINT');
    expect(tail.exit).toEqual({ code: 130, signal: null });
    expect(tail.run.stderr()).toBe('ees: interrupted\n');
    expect(Math.max(read.ms, tail.ms)).toBeLessThan(2_000);
  });

  it('stops waiting for standard input on Ctrl-C', async () => {
    const before = silent.requests();
    const run = ees(['append', 's', '-'], {
      env: { EES_URL: silent.url },
      input: '[{"n":',
      holdStdin: true,
    });
    // Nothing to wait for but the process being up and reading its input.
    await sleep(1_000);
    run.child.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 130, signal: null });
    expect(run.stderr()).toBe('ees: interrupted\n');
    expect(silent.requests()).toBe(before);
  });
});

describe('usage and connection errors', () => {
  it.each([
    [['append'], /append: missing <stream>/],
    [['append', 's'], /append: missing <events JSON \| ->/],
    [['append', 's', '{', '--json'], /append: the events argument is not valid JSON/],
    [['append', 's', '"text"'], /the events must be a JSON array of objects, or one object/],
    [['append', 's', '--metadata', '[]', '{}'], /--metadata must be a JSON object/],
    [['append', 's', '--expected-changeset', '1', '--expected-event', '1', '{}'], /not both/],
    [['append', 's', '--expected-changeset', '-1', '{}'], /--expected-changeset/],
    [['read', 's', '--from', 'x'], /invalid --from value "x"/],
    [['read', 's', 't'], /read: unexpected argument "t"/],
    [['read', 's', '--frm', '1'], /read: Unknown option '--frm'/],
    [['tail', 's', '--checkpoint', '1'], /use --from with a stream/],
    [['tail', '--from', '1', '--checkpoint', '1'], /not both/],
    [['stats', '--url', 'localhost:3000'], /invalid server URL "localhost:3000"/],
  ])('ees %j exits 2', async (args, pattern) => {
    await fails(args, 2, pattern);
  });

  it('exits 1 when the server cannot be reached', async () => {
    const closed = await startTestServer('memory:');
    await closed.close();
    for (const args of [['stats'], ['read', 's'], ['append', 's', '{}'], ['tail']]) {
      await fails(args, 1, new RegExp(`^ees: cannot reach ${closed.url}: ECONNREFUSED$`), {
        env: { EES_URL: closed.url },
      });
    }
  });

  it('documents the client commands in ees --help', async () => {
    const help = await succeeds(['--help']);
    for (const text of [
      'ees append',
      'ees read',
      'ees tail',
      'ees stats',
      'EES_URL',
      'EES_TOKEN',
    ]) {
      expect(help).toContain(text);
    }
    expect(await succeeds(['tail', '--help'])).toBe(help);
  });
});

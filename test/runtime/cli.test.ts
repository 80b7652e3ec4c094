import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/runtime/config.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import type { EesProcess } from './cli-process.js';
import { ROOT, listeningUrl, runEes } from './cli-process.js';
import { waitFor } from './wait-for.js';

const VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

let directory: string;
const running: EesProcess[] = [];

/** Starts `ees` and remembers it, so a failed test never leaves a server behind. */
function ees(args: string[], env: Record<string, string> = {}): EesProcess {
  const started = runEes(args, env);
  running.push(started);
  return started;
}

beforeAll(() => {
  // The CLI runs as it ships: compiled, by the run's global setup (test/setup/build.ts).
  directory = mkdtempSync(join(tmpdir(), 'ees-cli-'));
});
afterEach(() => {
  for (const started of running.splice(0)) started.child.kill('SIGKILL');
});
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Asserts the process failed with one `ees: ...` line on stderr and no stack trace. */
async function expectOneLineFailure(started: EesProcess, exitCode: number, pattern: RegExp) {
  const { code } = await started.exited;
  expect(code).toBe(exitCode);
  const lines = started.stderr().trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ees: /);
  expect(lines[0]).toMatch(pattern);
  expect(started.stderr()).not.toMatch(/\n\s+at /);
  expect(started.stdout()).toBe('');
}

const postChangeset = (url: string, streamId: string) =>
  fetch(`${url}/streams/${streamId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events: [{ type: 'created' }, { type: 'renamed' }] }),
  });

describe('ees serve', () => {
  it('serves, announces itself in one line, and closes the database on SIGTERM', async () => {
    const dbFile = join(directory, 'sigterm', 'ees.db');
    const server = ees(['serve', '--port', '0', '--database-url', `sqlite:${dbFile}`]);
    const url = await listeningUrl(server);

    expect(server.stdout()).toMatch(
      new RegExp(
        `^ees ${VERSION.replaceAll('.', '\\.')} listening on http://127\\.0\\.0\\.1:\\d+ \\(store: sqlite:${dbFile.replaceAll('.', '\\.')}\\)\\n$`,
      ),
    );
    const version = await fetch(`${url}/version`);
    expect(await version.json()).toEqual({ version: VERSION });
    expect((await postChangeset(url, 'kept')).status).toBe(200);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toBe('');
    // Closed cleanly: SQLite folded the write-ahead log back into the file and removed it.
    expect(existsSync(`${dbFile}-wal`)).toBe(false);
    const reopened = openSqliteStore({ filename: dbFile });
    try {
      expect(await reopened.readChangesets('kept', {})).toHaveLength(1);
    } finally {
      await reopened.close();
    }
  });

  it('exits 0 on SIGINT too', async () => {
    const server = ees(['serve', '--port', '0', '--database-url', 'memory:']);
    await listeningUrl(server);
    server.child.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('lets flags override environment variables', async () => {
    const server = ees(['serve', '--port', '0', '--database-url', 'sqlite::memory:'], {
      PORT: 'not-a-port',
      EES_DATABASE_URL: 'mysql://x',
    });
    await listeningUrl(server);
    expect(server.stdout()).toContain('(store: sqlite::memory:)');
  });

  it('reads settings from the environment', async () => {
    const server = ees(['serve'], { PORT: '0', HOST: '127.0.0.1', EES_DATABASE_URL: 'memory:' });
    await listeningUrl(server);
    expect(server.stdout()).toContain('(store: memory:)');
  });

  it('publishes statistics on GET /streams after a commit', async () => {
    const server = ees([
      'serve',
      '--port',
      '0',
      '--database-url',
      `sqlite:${join(directory, 'stats.db')}`,
      '--stats-interval',
      '0.2',
    ]);
    const url = await listeningUrl(server);
    expect((await postChangeset(url, 'counted')).status).toBe(200);
    await waitFor(async () => {
      const body = (await (await fetch(`${url}/streams`)).json()) as Record<string, unknown>;
      return body.total_changesets === 1;
    });
    expect(await (await fetch(`${url}/streams`)).json()).toEqual({
      total_streams: 1,
      total_changesets: 1,
      total_events: 2,
      max_stream_length: 1,
      statistics_version: 1,
    });
  });

  it('rejects an unknown database URL scheme with exit code 2', async () => {
    await expectOneLineFailure(
      ees(['serve', '--port', '0'], { EES_DATABASE_URL: 'mysql://x' }),
      2,
      /"mysql:\/\/x".*unknown scheme/,
    );
  });

  it('reports a data directory that cannot be created with exit code 1', async () => {
    const blocker = join(directory, 'a-file');
    writeFileSync(blocker, '');
    const url = `sqlite:${join(blocker, 'data', 'ees.db')}`;
    await expectOneLineFailure(
      ees(['serve', '--port', '0', '--database-url', url]),
      1,
      /data directory .* cannot be created or written/,
    );
  });

  it('rejects invalid settings and unknown flags with exit code 2', async () => {
    await expectOneLineFailure(ees(['serve', '--stats-interval', '0']), 2, /--stats-interval/);
    await expectOneLineFailure(ees(['serve'], { PORT: 'http' }), 2, /PORT value "http"/);
    await expectOneLineFailure(ees(['serve', '--frobnicate']), 2, /--frobnicate/);
  });

  it('reports a port in use with exit code 1', async () => {
    const first = ees(['serve', '--port', '0', '--database-url', 'memory:']);
    const port = new URL(await listeningUrl(first)).port;
    await expectOneLineFailure(
      ees(['serve', '--port', port, '--database-url', 'memory:']),
      1,
      /EADDRINUSE/,
    );
  });
});

describe('ees help and version', () => {
  it.each(['--help', '-h', 'help', 'serve --help'])(
    '`ees %s` documents every flag and environment variable',
    async (command) => {
      const help = ees(command.split(' '));
      expect((await help.exited).code).toBe(0);
      for (const setting of SETTINGS) {
        expect(help.stdout()).toContain(`--${setting.flag}`);
        expect(help.stdout()).toContain(setting.env);
        expect(help.stdout()).toContain(`default ${setting.defaultText}`);
      }
    },
  );

  it('prints the version', async () => {
    const version = ees(['--version']);
    expect((await version.exited).code).toBe(0);
    expect(version.stdout()).toBe(`${VERSION}\n`);
  });

  it('rejects an unknown command with exit code 2', async () => {
    await expectOneLineFailure(ees(['serv']), 2, /unknown command "serv"/);
  });
});

describe('ees serve access control', () => {
  const WRITE = 'cli-write-0123456789';
  const READ = 'cli-read-0123456789';

  /** The announced URL, reached over loopback whatever interface the server bound. */
  const reachable = async (started: EesProcess) =>
    (await listeningUrl(started)).replace('//0.0.0.0:', '//127.0.0.1:');

  it('refuses to serve 0.0.0.0 without tokens: exit 2, one line, no data touched', async () => {
    const dbFile = join(directory, 'refused', 'ees.db');
    await expectOneLineFailure(
      ees(['serve', '--host', '0.0.0.0', '--port', '0', '--database-url', `sqlite:${dbFile}`]),
      2,
      /^ees: refusing to serve 0\.0\.0\.0 without API tokens.*EES_API_TOKENS.*--insecure/,
    );
    expect(existsSync(join(directory, 'refused'))).toBe(false);
    await expectOneLineFailure(
      ees(['serve', '--port', '0', '--database-url', 'memory:'], { HOST: '::' }),
      2,
      /refusing to serve :: without API tokens/,
    );
  });

  it('serves 0.0.0.0 open with --insecure or EES_INSECURE=true, with a warning', async () => {
    for (const [args, env] of [
      [['--insecure'], {}],
      [[], { EES_INSECURE: 'true' }],
    ] as const) {
      const server = ees(
        ['serve', '--host', '0.0.0.0', '--port', '0', '--database-url', 'memory:', ...args],
        env,
      );
      const url = await reachable(server);
      expect((await fetch(`${url}/changesets`)).status).toBe(200);
      expect(server.stderr()).toMatch(
        /^ees: warning: serving 0\.0\.0\.0 without API tokens \(--insecure\)/,
      );
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    }
  });

  it('serves 0.0.0.0 with tokens from the environment, and requires them', async () => {
    const server = ees(['serve', '--host', '0.0.0.0', '--port', '0', '--database-url', 'memory:'], {
      EES_API_TOKENS: `${WRITE}:write,${READ}:read`,
    });
    const url = await reachable(server);
    const missing = await fetch(`${url}/changesets`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    await missing.body?.cancel();
    const forbidden = await fetch(`${url}/streams/s`, {
      method: 'POST',
      headers: { authorization: `Bearer ${READ}` },
      body: JSON.stringify({ events: [{}] }),
    });
    expect(forbidden.status).toBe(403);
    await forbidden.body?.cancel();
    const committed = await fetch(`${url}/streams/s`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WRITE}` },
      body: JSON.stringify({ events: [{}] }),
    });
    expect(committed.status).toBe(200);
    expect((await fetch(`${url}/version`)).status).toBe(200);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toBe('');
    expect(server.stdout()).not.toContain(WRITE);
  });

  it('reads tokens from --api-tokens-file at start', async () => {
    const file = join(directory, 'tokens.txt');
    writeFileSync(file, `# CI\n${READ}:read # dashboards\n\n`);
    const server = ees([
      'serve',
      '--port',
      '0',
      '--database-url',
      'memory:',
      '--api-tokens-file',
      file,
    ]);
    const url = await listeningUrl(server);
    expect((await fetch(`${url}/changesets`)).status).toBe(401);
    const read = await fetch(`${url}/changesets`, { headers: { authorization: `Bearer ${READ}` } });
    expect(read.status).toBe(200);
  });

  it('rejects bad tokens and token files in one line, never printing a token', async () => {
    await expectOneLineFailure(
      ees(['serve', '--port', '0'], { EES_API_TOKENS: `${WRITE}:admin` }),
      2,
      /invalid EES_API_TOKENS value: entry 1: the scope must be read or write/,
    );
    await expectOneLineFailure(
      ees(['serve', '--port', '0', '--api-tokens-file', join(directory, 'no-such-file')]),
      2,
      /cannot read the API token file ".*no-such-file" \(ENOENT\)/,
    );
    const bad = join(directory, 'bad-tokens.txt');
    writeFileSync(bad, `${READ}:read\n${WRITE}\n`);
    const started = ees(['serve', '--port', '0'], { EES_API_TOKENS_FILE: bad });
    await expectOneLineFailure(
      started,
      2,
      /invalid API token file ".*": line 2 is not of the form/,
    );
    expect(started.stderr()).not.toContain(WRITE);
  });
});

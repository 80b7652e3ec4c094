import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback, resolveApiTokens, timingSafeTokenEquals } from '../../src/runtime/access.js';
import { resolveConfig } from '../../src/runtime/config.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { parseTokenFile } from '../../src/runtime/tokens.js';

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'ees-access-'));
});
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** A token file with these contents, in the test's own directory. */
function tokenFile(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

/** The ConfigError `resolveApiTokens` throws for this configuration. */
function refusal(env: Record<string, string>, argv: string[] = []): ConfigError {
  try {
    resolveApiTokens(resolveConfig(env, argv));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('resolveApiTokens did not throw');
}

describe('parseTokenFile', () => {
  it('reads one token a line, skipping blank lines and # comments, CRLF or LF', () => {
    const text = [
      '# CI pipeline',
      'ci-0123456789:write',
      '',
      '   ',
      '  dashboard-abcdef:read   # read-only dashboard',
      '#disabled-token:write',
      'YmFzZTY0dG9rZW4=:read',
    ].join('\r\n');
    expect(parseTokenFile(`${text}\n`)).toEqual({
      value: [
        { token: 'ci-0123456789', scope: 'write' },
        { token: 'dashboard-abcdef', scope: 'read' },
        { token: 'YmFzZTY0dG9rZW4=', scope: 'read' },
      ],
    });
  });

  it.each([
    ['ok:read\nsup3r-secret\n', 'line 2 is not of the form token:scope'],
    ['# x\n\nsup3r-secret:admin\n', 'line 3: the scope must be read or write'],
    ['sup3r-secret:read\nsup3r-secret:write\n', 'line 2 repeats the token of line 1'],
    ['sup3r secret:read\n', 'line 1: a token is'],
  ])('names the line of a bad entry, never its token: %j', (text, reason) => {
    const parsed = parseTokenFile(text);
    expect(parsed).toEqual({ reason: expect.stringContaining(reason) as string });
    expect(JSON.stringify(parsed)).not.toContain('sup3r');
  });
});

describe('resolveApiTokens', () => {
  it('reads the token file named by EES_API_TOKENS_FILE or --api-tokens-file', () => {
    const path = tokenFile('tokens', '# ops\nfile-write-token:write\nfile-read-token:read\n');
    const expected = [
      { token: 'file-write-token', scope: 'write' },
      { token: 'file-read-token', scope: 'read' },
    ];
    expect(resolveApiTokens(resolveConfig({ EES_API_TOKENS_FILE: path }, []))).toEqual(expected);
    expect(resolveApiTokens(resolveConfig({}, ['--api-tokens-file', path]))).toEqual(expected);
  });

  it('adds the file to the tokens given inline', () => {
    const path = tokenFile('more', 'from-file:read\n');
    expect(
      resolveApiTokens(
        resolveConfig({ EES_API_TOKENS: 'inline:write', EES_API_TOKENS_FILE: path }, []),
      ),
    ).toEqual([
      { token: 'inline', scope: 'write' },
      { token: 'from-file', scope: 'read' },
    ]);
  });

  it('reads the file through the function it is given', () => {
    const read = (path: string) => {
      expect(path).toBe('/run/secrets/ees');
      return 'injected:read\n';
    };
    expect(
      resolveApiTokens(resolveConfig({ EES_API_TOKENS_FILE: '/run/secrets/ees' }, []), read),
    ).toEqual([{ token: 'injected', scope: 'read' }]);
  });

  it.each([
    [
      'a missing file',
      () => join(directory, 'absent'),
      /cannot read the API token file ".*absent" \(ENOENT\)/,
    ],
    ['a directory', () => directory, /cannot read the API token file ".*" \(EISDIR\)/],
    [
      'a file without tokens',
      () => tokenFile('empty', '# nothing yet\n\n'),
      /API token file ".*empty" has no tokens/,
    ],
    [
      'a bad line',
      () => tokenFile('bad', 'ok:read\nsup3r-secret:root\n'),
      /invalid API token file ".*bad": line 2: the scope must be read or write/,
    ],
  ])('refuses %s with one line, exit code 2', (_, path, message) => {
    const error = refusal({ EES_API_TOKENS_FILE: path() });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('sup3r');
    expect(error.message).not.toContain('\n');
    expect(error.exitCode).toBe(2);
  });

  it('refuses a token both inline and in the file, without naming it', () => {
    const path = tokenFile('repeat', 'sup3r-secret:read\n');
    const error = refusal({ EES_API_TOKENS: 'sup3r-secret:write', EES_API_TOKENS_FILE: path });
    expect(error.message).toMatch(/repeats a token given in EES_API_TOKENS/);
    expect(error.message).not.toContain('sup3r');
  });

  describe('the safe default', () => {
    it.each(['0.0.0.0', '::', '192.168.1.20', '10.0.0.1', 'example.com', '::ffff:10.0.0.1'])(
      'refuses to serve %s without tokens, naming the ways out',
      (host) => {
        const error = refusal({ HOST: host });
        expect(error.message).toBe(
          `refusing to serve ${host} without API tokens, which would let anyone who can reach it read and write every stream: set EES_API_TOKENS or EES_API_TOKENS_FILE (--api-tokens, --api-tokens-file), or pass --insecure (EES_INSECURE=true) to serve it open`,
        );
        expect(error.exitCode).toBe(2);
      },
    );

    it('serves a non-loopback address with tokens, or open with --insecure', () => {
      const path = tokenFile('one', 'only:read\n');
      expect(
        resolveApiTokens(resolveConfig({ HOST: '0.0.0.0', EES_API_TOKENS: 't:write' }, [])),
      ).toHaveLength(1);
      expect(
        resolveApiTokens(resolveConfig({ HOST: '0.0.0.0', EES_API_TOKENS_FILE: path }, [])),
      ).toHaveLength(1);
      expect(resolveApiTokens(resolveConfig({ HOST: '0.0.0.0' }, ['--insecure']))).toEqual([]);
      expect(resolveApiTokens(resolveConfig({ HOST: '::', EES_INSECURE: 'true' }, []))).toEqual([]);
    });

    it.each([
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      'localhost',
      'LocalHost',
    ])('serves the loopback address %s without tokens', (host) => {
      expect(isLoopback(host)).toBe(true);
      expect(resolveApiTokens(resolveConfig({ HOST: host }, []))).toEqual([]);
    });

    it.each(['0.0.0.0', '::', '128.0.0.1', '126.255.255.255', 'localhost.example.com', 'my-host'])(
      'counts %s as reachable from elsewhere',
      (host) => {
        expect(isLoopback(host)).toBe(false);
      },
    );
  });
});

describe('timingSafeTokenEquals', () => {
  it('is true for the same token only, whatever the lengths', () => {
    const token = 'w-0123456789abcdef';
    expect(timingSafeTokenEquals(token, token)).toBe(true);
    // timingSafeEqual alone throws on different lengths; the digests always have 32 bytes.
    for (const other of [
      '',
      'w',
      token.slice(0, -1),
      `${token}0`,
      'W-0123456789abcdef',
      'w-0123456789abcdeF',
    ]) {
      expect(timingSafeTokenEquals(other, token)).toBe(false);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, StoreOpenError } from '../../src/runtime/errors.js';
import { SETTINGS, resolveConfig } from '../../src/runtime/config.js';
import { helpText } from '../../src/runtime/help.js';

const DEFAULTS = {
  port: 3000,
  host: '127.0.0.1',
  databaseUrl: 'sqlite:./data/ees.db',
  statsIntervalMs: 60_000,
  apiTokens: [],
  apiTokensFile: undefined,
  insecure: false,
  corsOrigins: [],
  maxChangesetBytes: 409_600,
  maxEventsPerChangeset: 1000,
  maxStreamIdBytes: 1024,
  maxPageSize: 1000,
  maxPageBytes: 4_194_304,
  maxHeaderBytes: 16_384,
  maxUrlBytes: 8192,
  maxSubscribers: 1000,
  maxConnections: 10_000,
};

/** The ConfigError `resolveConfig` throws, for assertions on its message. */
function configError(env: Record<string, string | undefined>, argv: string[]): ConfigError {
  try {
    resolveConfig(env, argv);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('resolveConfig did not throw');
}

describe('resolveConfig', () => {
  it('uses the documented defaults', () => {
    expect(resolveConfig({}, [])).toEqual(DEFAULTS);
  });

  it('reads every environment variable', () => {
    expect(
      resolveConfig(
        {
          PORT: '8080',
          HOST: '0.0.0.0',
          EES_DATABASE_URL: 'memory:',
          EES_STATS_INTERVAL: '0.25',
          EES_API_TOKENS: 'w-token:write,r-token:read',
          EES_API_TOKENS_FILE: '/etc/ees/tokens',
          EES_INSECURE: 'true',
          EES_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
          EES_MAX_CHANGESET_BYTES: '1024',
          EES_MAX_EVENTS_PER_CHANGESET: '10',
          EES_MAX_STREAM_ID_BYTES: '64',
          EES_MAX_PAGE_SIZE: '50',
          EES_MAX_PAGE_BYTES: '65536',
          EES_MAX_HEADER_BYTES: '4096',
          EES_MAX_URL_BYTES: '2048',
          EES_MAX_SUBSCRIBERS: '3',
          EES_MAX_CONNECTIONS: '500',
        },
        [],
      ),
    ).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'memory:',
      statsIntervalMs: 250,
      apiTokens: [
        { token: 'w-token', scope: 'write' },
        { token: 'r-token', scope: 'read' },
      ],
      apiTokensFile: '/etc/ees/tokens',
      insecure: true,
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      maxChangesetBytes: 1024,
      maxEventsPerChangeset: 10,
      maxStreamIdBytes: 64,
      maxPageSize: 50,
      maxPageBytes: 65_536,
      maxHeaderBytes: 4096,
      maxUrlBytes: 2048,
      maxSubscribers: 3,
      maxConnections: 500,
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    expect(
      resolveConfig({}, [
        '--port',
        '0',
        '--host=::1',
        '--database-url',
        'sqlite::memory:',
        '--stats-interval=2',
        '--max-changeset-bytes',
        '2048',
        '--max-page-size',
        '10',
        '--max-page-bytes=1000',
        '--api-tokens',
        'a:read',
        '--api-tokens-file=tokens.txt',
        '--insecure',
        '--cors-origins=*',
        '--max-events-per-changeset=5',
        '--max-stream-id-bytes',
        '32',
        '--max-header-bytes',
        '8192',
        '--max-url-bytes=1024',
        '--max-subscribers',
        '7',
        '--max-connections=8',
      ]),
    ).toEqual({
      port: 0,
      host: '::1',
      databaseUrl: 'sqlite::memory:',
      statsIntervalMs: 2000,
      apiTokens: [{ token: 'a', scope: 'read' }],
      apiTokensFile: 'tokens.txt',
      insecure: true,
      corsOrigins: ['*'],
      maxChangesetBytes: 2048,
      maxEventsPerChangeset: 5,
      maxStreamIdBytes: 32,
      maxPageSize: 10,
      maxPageBytes: 1000,
      maxHeaderBytes: 8192,
      maxUrlBytes: 1024,
      maxSubscribers: 7,
      maxConnections: 8,
    });
  });

  it('refuses --max-connections not above --max-subscribers: each subscription holds one', () => {
    expect(() => resolveConfig({ EES_MAX_SUBSCRIBERS: '50' }, ['--max-connections', '50'])).toThrow(
      new ConfigError(
        '--max-connections (50) must be above --max-subscribers (50): each subscription holds a connection',
      ),
    );
    expect(resolveConfig({ EES_MAX_SUBSCRIBERS: '50' }, ['--max-connections', '51'])).toMatchObject(
      {
        maxConnections: 51,
      },
    );
  });

  it('lets flags override the environment, without judging the overridden value', () => {
    const config = resolveConfig({ PORT: 'not-a-port', EES_DATABASE_URL: 'mysql://x' }, [
      '--port',
      '4000',
      '--database-url',
      'memory:',
    ]);
    expect(config).toMatchObject({ port: 4000, databaseUrl: 'memory:' });
  });

  it('treats an empty variable as unset', () => {
    expect(resolveConfig({ PORT: '', EES_STATS_INTERVAL: '' }, [])).toEqual(DEFAULTS);
  });

  it.each([
    [{ PORT: '80a' }, [], /PORT value "80a"/],
    [{ PORT: '65536' }, [], /PORT value "65536"/],
    [{ PORT: '-1' }, [], /PORT value "-1"/],
    [{}, ['--port', '1.5'], /--port value "1.5"/],
    [{ HOST: ' ' }, [], /HOST value " "/],
    [{ EES_STATS_INTERVAL: '0' }, [], /EES_STATS_INTERVAL value "0"/],
    [{ EES_STATS_INTERVAL: '-1' }, [], /EES_STATS_INTERVAL value "-1"/],
    [{ EES_STATS_INTERVAL: '1e3' }, [], /EES_STATS_INTERVAL value "1e3"/],
    [{}, ['--stats-interval', 'soon'], /--stats-interval value "soon"/],
    [{}, ['--stats-interval', '9999999'], /--stats-interval value "9999999"/],
    [{ EES_MAX_CHANGESET_BYTES: '0' }, [], /EES_MAX_CHANGESET_BYTES value "0"/],
    [{}, ['--max-page-size', '0x10'], /--max-page-size value "0x10"/],
    [{ EES_MAX_PAGE_BYTES: '0' }, [], /EES_MAX_PAGE_BYTES value "0"/],
    [{ EES_MAX_EVENTS_PER_CHANGESET: '0' }, [], /EES_MAX_EVENTS_PER_CHANGESET value "0"/],
    [{ EES_MAX_STREAM_ID_BYTES: 'long' }, [], /EES_MAX_STREAM_ID_BYTES value "long"/],
    [{ EES_MAX_HEADER_BYTES: '512' }, [], /EES_MAX_HEADER_BYTES value "512".*at least 1024/],
    [{}, ['--max-url-bytes=-1'], /--max-url-bytes value "-1"/],
    [{ EES_MAX_SUBSCRIBERS: '1.5' }, [], /EES_MAX_SUBSCRIBERS value "1.5"/],
    [{ EES_INSECURE: 'yes' }, [], /EES_INSECURE value "yes": expected true or false/],
    [{ EES_API_TOKENS_FILE: ' tokens' }, [], /EES_API_TOKENS_FILE value " tokens"/],
    [{ EES_CORS_ORIGINS: 'app.example.com' }, [], /"app.example.com" is not an origin/],
    [{}, ['--cors-origins', 'https://a.example/'], /"https:\/\/a.example\/" is not an origin/],
    [{}, ['--cors-origins', 'https://a.example/app'], /is not an origin/],
    [{ EES_CORS_ORIGINS: 'https://a.example,' }, [], /"" is not an origin/],
    [{ EES_CORS_ORIGINS: 'ftp://a.example' }, [], /"ftp:\/\/a.example" is not an origin/],
  ])('rejects %j %j with a one-line message naming it', (env, argv, message) => {
    const error = configError(env, argv);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
    expect(error.exitCode).toBe(2);
  });

  it('reads --insecure as a switch and EES_INSECURE as true or false', () => {
    expect(resolveConfig({}, ['--insecure']).insecure).toBe(true);
    expect(resolveConfig({ EES_INSECURE: 'false' }, []).insecure).toBe(false);
    expect(resolveConfig({ EES_INSECURE: 'false' }, ['--insecure']).insecure).toBe(true);
    expect(configError({}, ['--insecure=true']).message).toMatch(/--insecure/);
  });

  it.each([
    [
      'no scope',
      'sup3r-secret-token',
      /(EES_API_TOKENS|--api-tokens) value: entry 1 is not of the form token:scope/,
    ],
    ['an unknown scope', 'sup3r-secret-token:admin', /entry 1: the scope must be read or write/],
    ['the scope first', 'write:sup3r-secret-token', /entry 1: the scope must be read or write/],
    ['a space in the token', 'sup3r secret-token:read', /entry 1: a token is/],
    ['an empty entry', 'sup3r-secret-token:read,,b:read', /entry 2 is empty/],
    [
      'a repeated token',
      'x:read,sup3r-secret-token:read,sup3r-secret-token:write',
      /entry 3 repeats the token of entry 2/,
    ],
  ])('rejects API tokens with %s in one line that never repeats a token', (_, value, message) => {
    for (const error of [
      configError({ EES_API_TOKENS: value }, []),
      configError({}, ['--api-tokens', value]),
    ]) {
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('sup3r');
      expect(error.message).not.toContain('\n');
      expect(error.exitCode).toBe(2);
    }
  });

  it('trims spaces around API token entries', () => {
    expect(resolveConfig({ EES_API_TOKENS: ' a:read , b=:write ' }, []).apiTokens).toEqual([
      { token: 'a', scope: 'read' },
      { token: 'b=', scope: 'write' },
    ]);
  });

  it('rejects unknown flags, positionals and flags without a value', () => {
    expect(configError({}, ['--verbose']).message).toMatch(/--verbose/);
    expect(configError({}, ['extra']).message).toMatch(/extra/);
    expect(configError({}, ['--port']).message).toMatch(/--port/);
  });
});

describe('helpText', () => {
  it('documents every flag and variable with its default', () => {
    const text = helpText('1.2.3');
    for (const setting of SETTINGS) {
      expect(text).toContain(`--${setting.flag}`);
      expect(text).toContain(
        `env ${setting.env}, default ${setting.defaultText === '' ? 'none' : setting.defaultText}`,
      );
    }
    expect(text).toContain('--insecure ');
    expect(text).not.toContain('--insecure <');
  });
});

describe('StartupError', () => {
  it('keeps messages on one line', () => {
    expect(new StoreOpenError('a\n  b').message).toBe('a b');
  });
});

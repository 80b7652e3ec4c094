import { describe, expect, it } from 'vitest';
import { ConfigError, StoreOpenError } from '../../src/runtime/errors.js';
import { SETTINGS, resolveConfig } from '../../src/runtime/config.js';
import { helpText } from '../../src/runtime/help.js';

const DEFAULTS = {
  port: 3000,
  host: '127.0.0.1',
  databaseUrl: 'sqlite:./data/ees.db',
  statsIntervalMs: 60_000,
  maxChangesetBytes: 409_600,
  maxPageSize: 1000,
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
          EES_MAX_CHANGESET_BYTES: '1024',
          EES_MAX_PAGE_SIZE: '50',
        },
        [],
      ),
    ).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'memory:',
      statsIntervalMs: 250,
      maxChangesetBytes: 1024,
      maxPageSize: 50,
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
      ]),
    ).toEqual({
      port: 0,
      host: '::1',
      databaseUrl: 'sqlite::memory:',
      statsIntervalMs: 2000,
      maxChangesetBytes: 2048,
      maxPageSize: 10,
    });
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
  ])('rejects %j %j with a one-line message naming it', (env, argv, message) => {
    const error = configError(env, argv);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
    expect(error.exitCode).toBe(2);
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
      expect(text).toContain(`env ${setting.env}, default ${setting.defaultText}`);
    }
  });
});

describe('StartupError', () => {
  it('keeps messages on one line', () => {
    expect(new StoreOpenError('a\n  b').message).toBe('a b');
  });
});

import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/runtime/config.js';
import { ConfigError, StoreOpenError } from '../../src/runtime/errors.js';
import { STORE_OPENERS, openStore } from '../../src/runtime/stores.js';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'ees-stores-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Whatever `openStore` rejects with. */
async function failure(url: string): Promise<Error> {
  const error: unknown = await openStore(url).then(
    async (store) => {
      await store.close();
      throw new Error(`${url} opened`);
    },
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('not an Error');
  return error;
}

/** Opens the store, commits one changeset, runs `whileOpen`, and closes it. */
const commitOne = async (url: string, whileOpen: () => void = () => undefined): Promise<void> => {
  const store = await openStore(url);
  try {
    const result = await store.commit({
      streamId: 's',
      expectation: { kind: 'changeset', lastChangesetId: 0 },
      events: [{ a: 1 }],
      metadata: {},
    });
    expect(result.status).toBe('committed');
    whileOpen();
  } finally {
    await store.close();
  }
};

describe('openStore', () => {
  it('lists its backends as data', () => {
    expect(Object.keys(STORE_OPENERS)).toEqual([
      'sqlite:',
      'memory:',
      'postgres:',
      'postgresql:',
      'dynamodb:',
    ]);
  });

  it('opens memory:', async () => {
    await commitOne('memory:');
  });

  it('opens sqlite::memory:', async () => {
    await commitOne('sqlite::memory:');
  });

  it('opens an absolute sqlite path, creating missing directories, and keeps data', async () => {
    const file = join(directory, 'nested', 'deeper', 'ees.db');
    await commitOne(`sqlite:${file}`);
    expect(existsSync(file)).toBe(true);
    const reopened = await openStore(`sqlite:${file}`);
    try {
      expect(await reopened.readChangesets('s', {})).toHaveLength(1);
    } finally {
      await reopened.close();
    }
  });

  it('creates the directories and the database for their owner only, the log files too', async () => {
    const file = join(directory, 'private', 'ees.db');
    const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
    // While the store is open: closing it removes the log file.
    await commitOne(`sqlite:${file}`, () => {
      expect([mode(join(directory, 'private')), mode(file), mode(`${file}-wal`)]).toEqual([
        '700',
        '600',
        '600',
      ]);
    });
  });

  it('opens a/../b as b, whether or not a exists', async () => {
    const cwd = process.cwd();
    mkdirSync(join(directory, 'work'));
    process.chdir(join(directory, 'work'));
    try {
      await commitOne('sqlite:./missing/../../elsewhere/ees.db');
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(join(directory, 'elsewhere', 'ees.db'))).toBe(true);
    expect(existsSync(join(directory, 'work', 'missing'))).toBe(false);
  });

  it('resolves a relative sqlite path against the working directory', async () => {
    const cwd = process.cwd();
    process.chdir(directory);
    try {
      await commitOne('sqlite:./data/relative.db');
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(join(directory, 'data', 'relative.db'))).toBe(true);
  });

  it.each([
    ['mysql://x', /unknown scheme "mysql:"/],
    ['./ees.db', /expected <scheme>:<location>/],
    ['', /expected <scheme>:<location>/],
    ['sqlite:', /no file name/],
    ['memory:foo', /takes no location/],
  ])('rejects %j as a configuration error naming the URL', async (url, reason) => {
    const error = await failure(url);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`"${url}"`);
    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain('\n');
  });

  it('reports a data directory that cannot be created', async () => {
    const file = join(directory, 'a-file');
    writeFileSync(file, 'not a directory');
    const url = `sqlite:${join(file, 'data', 'ees.db')}`;
    const error = await failure(url);
    expect(error).toBeInstanceOf(StoreOpenError);
    expect(error.message).toContain(`"${url}"`);
    expect(error.message).toMatch(/cannot be created or written \(ENOTDIR\)/);
    expect(error.message).not.toContain('\n');
  });

  it('reports a database file SQLite cannot open', async () => {
    const url = `sqlite:${directory}`; // a directory, not a file
    const error = await failure(url);
    expect(error).toBeInstanceOf(StoreOpenError);
    expect(error.message).toMatch(new RegExp(`^cannot open database URL "${url}": `));
    expect(error.message).not.toContain('\n');
  });

  it('never repeats a password in its errors', async () => {
    for (const url of [
      'postgress://ees:S3cretPW@127.0.0.1/db',
      'postgres//ees:S3cretPW@127.0.0.1/db',
      'dynamodb://t?endpoint=http://key:S3cretPW@127.0.0.1:1&region=x&create=maybe',
    ]) {
      const error = await failure(url);
      expect([url, error.message]).toEqual([url, expect.stringContaining(':***@') as unknown]);
      expect(error.message).not.toContain('S3cretPW');
    }
    const config = () =>
      resolveConfig({ EES_DATABASE_URL: 'postgres://ees:S3c@retPW@127.0.0.1/db ' }, []);
    expect(config).toThrow(ConfigError);
    expect(config).toThrow('"postgres://ees:***@127.0.0.1/db "');
    expect(config).not.toThrow(/retPW/);
  });
});

import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { EventStore } from '../core/index.js';
import { redactPassword } from './redact.js';
import { ConfigError, StoreOpenError, describeError } from './errors.js';

/**
 * Opens the store a URL names, given the part of the URL after the scheme. Throws a
 * `ConfigError` for a location it cannot make sense of, anything else when opening fails.
 */
type StoreOpener = (location: string, url: string, options: OpenOptions) => Promise<EventStore>;

export interface OpenOptions {
  /**
   * Open only a store that is there already: no SQLite file, PostgreSQL schema or DynamoDB table
   * is created (`create=true` in the URL notwithstanding), and a missing one fails the opening.
   * For a store that is only to be read, where a misspelt name would otherwise be made into a
   * new, empty store. Default `false`.
   */
  readonly existing?: boolean;
}

const SQLITE_IN_MEMORY = ':memory:';

/** Directories and database files the server creates: readable by their owner only. */
const PRIVATE_DIRECTORY = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * Makes sure the database file's directory exists and is writable, so an operator reads
 * "cannot create directory" rather than SQLite's bare "unable to open database file".
 */
function prepareDirectory(file: string, url: string): void {
  const directory = dirname(file);
  try {
    mkdirSync(directory, { recursive: true, mode: PRIVATE_DIRECTORY });
    accessSync(directory, constants.W_OK);
    // A new database is its owner's only, as its directory: SQLite gives the -wal and -shm
    // files it creates next to it the same permissions.
    if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StoreOpenError(
      `cannot use database URL "${url}": data directory "${directory}" cannot be created or written${code === undefined ? '' : ` (${code})`}`,
      { cause: error },
    );
  }
}

async function openSqlite(
  location: string,
  url: string,
  { existing = false }: OpenOptions,
): Promise<EventStore> {
  if (location === '')
    throw new ConfigError(`invalid database URL "${url}": no file name after "sqlite:"`);
  // The path as the operator wrote it, resolved once: `a/../b` is `b`, whether or not `a` exists.
  const filename = location === SQLITE_IN_MEMORY ? location : resolve(location);
  if (filename !== SQLITE_IN_MEMORY) {
    if (existing && !existsSync(filename)) {
      throw new StoreOpenError(`cannot open database URL "${url}": no file "${filename}"`);
    }
    prepareDirectory(filename, url);
  }
  // Loaded on demand: a store's driver is only required when that store is used.
  const { openSqliteStore } = await import('../stores/sqlite/index.js');
  return openSqliteStore({ filename });
}

async function openMemory(location: string, url: string): Promise<EventStore> {
  if (location !== '')
    throw new ConfigError(`invalid database URL "${url}": "memory:" takes no location`);
  const { createMemoryStore } = await import('../stores/memory/index.js');
  return createMemoryStore();
}

/**
 * `postgres://user:password@host:5432/database?schema=ees&pool_size=10`: the store's own query
 * parameters are taken out, the rest of the URL goes to node-postgres as is. Messages name the
 * URL without its password.
 */
async function openPostgres(
  _location: string,
  url: string,
  { existing = false }: OpenOptions,
): Promise<EventStore> {
  const { openPostgresStore, postgresOptionsFromUrl } = await import('../stores/postgres/index.js');
  let options;
  try {
    options = postgresOptionsFromUrl(url);
  } catch (error) {
    throw new ConfigError(
      `invalid database URL "${redactPassword(url)}": ${describeError(error)}`,
      { cause: error },
    );
  }
  try {
    return await openPostgresStore({ ...options, create: !existing });
  } catch (error) {
    throw new StoreOpenError(
      `cannot open database URL "${redactPassword(url)}": ${describeError(error)}`,
      { cause: error },
    );
  }
}

/**
 * `dynamodb://<table>?region=<r>&endpoint=<url>&create=true`: the DynamoDB store, credentials
 * from the standard AWS environment. The server indexes the table's stream itself (a
 * background poller), so commit, enumeration and statistics work end to end without Lambda.
 */
async function openDynamoDb(
  _location: string,
  url: string,
  { existing = false }: OpenOptions,
): Promise<EventStore> {
  const { dynamoDbOptionsFromUrl, openDynamoDbStore } = await import('../stores/dynamodb/index.js');
  let options;
  try {
    options = dynamoDbOptionsFromUrl(url);
  } catch (error) {
    throw new ConfigError(
      `invalid database URL "${redactPassword(url)}": ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
  return openDynamoDbStore({
    tableName: options.tableName,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    create: options.create && !existing,
    poller: { enabled: true },
  });
}

/**
 * Every store the runtime can open, by URL scheme. A new backend is one more row here
 * (`'postgres:'`, `'dynamodb:'`), never a branch elsewhere.
 */
export const STORE_OPENERS: Readonly<Record<string, StoreOpener>> = {
  'sqlite:': openSqlite,
  'memory:': openMemory,
  'postgres:': openPostgres,
  'postgresql:': openPostgres,
  'dynamodb:': openDynamoDb,
};

/** Splits `scheme:rest`; the scheme grammar is RFC 3986's. */
const SCHEME = /^([a-z][a-z0-9+.-]*:)(.*)$/is;

/**
 * Opens the store named by a database URL:
 * - `sqlite:<path>`: a SQLite file, relative to the working directory or absolute; its
 *   directory is created if missing.
 * - `sqlite::memory:`: a throwaway SQLite database.
 * - `memory:`: the in-memory reference store.
 * - `postgres://...` or `postgresql://...`: PostgreSQL; query parameters `schema` (default
 *   `ees`) and `pool_size` (default 10), the rest as node-postgres reads it.
 * - `dynamodb://<table>?region=<r>&endpoint=<url>&create=true`: DynamoDB (all parameters
 *   optional; credentials from the AWS environment); the server runs the stream indexer.
 *
 * With `existing`, a store that is not there yet (file, schema, table) is an error rather than
 * created.
 *
 * @throws ConfigError for a malformed URL or an unknown scheme (exit code 2), StoreOpenError
 * when the store cannot be opened (exit code 1). Both carry a one-line message naming the URL.
 * @example
 * const store = await openStore('sqlite:./data/ees.db');
 */
export async function openStore(url: string, options: OpenOptions = {}): Promise<EventStore> {
  const match = SCHEME.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  if (match === null || scheme === undefined) {
    throw new ConfigError(
      `invalid database URL "${redactPassword(url)}": expected <scheme>:<location>, one of ${knownSchemes()}`,
    );
  }
  const opener = Object.hasOwn(STORE_OPENERS, scheme) ? STORE_OPENERS[scheme] : undefined;
  if (opener === undefined) {
    throw new ConfigError(
      `unsupported database URL "${redactPassword(url)}": unknown scheme "${scheme}", expected one of ${knownSchemes()}`,
    );
  }
  try {
    return await opener(match[2] ?? '', url, options);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StoreOpenError) throw error;
    throw new StoreOpenError(
      `cannot open database URL "${redactPassword(url)}": ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
}

const knownSchemes = (): string => Object.keys(STORE_OPENERS).join(', ');

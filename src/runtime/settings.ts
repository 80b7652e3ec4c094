import type { ApiToken } from '../http/index.js';
import { parseCorsOrigins } from '../http/index.js';
import { parseTokenList } from './tokens.js';

/** What `ees serve` runs with, after defaults, environment and flags are combined. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Which store, as a URL whose scheme picks the backend (see `openStore`). */
  readonly databaseUrl: string;
  /** Pause between statistics projector passes, in milliseconds. */
  readonly statsIntervalMs: number;
  /** Tokens given inline; `resolveApiTokens` adds those of `apiTokensFile`. */
  readonly apiTokens: readonly ApiToken[];
  /** A file of `token:scope` lines, read once at start. */
  readonly apiTokensFile: string | undefined;
  /** Serve a non-loopback address without tokens (refused otherwise). */
  readonly insecure: boolean;
  /** Web origins allowed to call the API from a browser (`*`: any); none by default. */
  readonly corsOrigins: readonly string[];
  readonly maxChangesetBytes: number;
  readonly maxEventsPerChangeset: number;
  readonly maxStreamIdBytes: number;
  readonly maxPageSize: number;
  readonly maxPageBytes: number;
  /** Node's `maxHeaderSize`: request line and headers together; more gets a bare 431. */
  readonly maxHeaderBytes: number;
  readonly maxUrlBytes: number;
  readonly maxSubscribers: number;
  /** Most open connections, subscriptions included; more are closed on arrival. */
  readonly maxConnections: number;
}

/** A value parser: the typed value, or a reason the text is not acceptable. */
type Parse<T> = (raw: string) => { value: T } | { reason: string };

/**
 * One configurable setting: where it comes from, its default, and how its text is read.
 * The table drives both `resolveConfig` and `ees --help`, so they cannot drift apart.
 */
export interface Setting<K extends keyof Config = keyof Config> {
  readonly key: K;
  readonly env: string;
  readonly flag: string;
  /**
   * What the flag's value is, as `--help` shows it: `--port <port>`. Absent for a switch
   * (`--insecure`), which takes no value; its variable takes `true` or `false`.
   */
  readonly placeholder?: string;
  /** The default as the operator would type it; empty when the setting is unset by default. */
  readonly defaultText: string;
  readonly description: string;
  /** Never repeat the value in messages: it holds credentials. */
  readonly secret?: boolean;
  readonly parse: Parse<Config[K]>;
}

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parse<number> =>
  (raw) => {
    const value = Number(raw);
    return /^[0-9]+$/.test(raw) && value >= min && value <= max
      ? { value }
      : {
          reason:
            max === Number.MAX_SAFE_INTEGER
              ? `expected an integer of at least ${min}`
              : `expected an integer from ${min} to ${max}`,
        };
  };

// setTimeout silently turns longer delays into 1 ms, which would make the projector spin.
const MAX_TIMER_MS = 2 ** 31 - 1;

const seconds: Parse<number> = (raw) => {
  const ms = Number(raw) * 1000;
  return /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(raw) && ms > 0 && ms <= MAX_TIMER_MS
    ? { value: ms }
    : { reason: `expected a number of seconds greater than 0 and at most ${MAX_TIMER_MS / 1000}` };
};

const nonEmpty: Parse<string> = (raw) =>
  raw.trim() === raw && raw !== ''
    ? { value: raw }
    : { reason: 'expected a non-empty value without surrounding spaces' };

const optionalPath: Parse<string | undefined> = (raw) =>
  raw === '' ? { value: undefined } : nonEmpty(raw);

const boolean: Parse<boolean> = (raw) =>
  raw === 'true' || raw === 'false'
    ? { value: raw === 'true' }
    : { reason: 'expected true or false' };

const setting = <K extends keyof Config>(definition: Setting<K>): Setting<K> => definition;

/** Every setting of `ees serve`, in the order `--help` lists them. */
export const SETTINGS = [
  setting({
    key: 'port',
    env: 'PORT',
    flag: 'port',
    placeholder: 'port',
    defaultText: '3000',
    description: 'TCP port to listen on; 0 picks a free port.',
    parse: integer(0, 65535),
  }),
  setting({
    key: 'host',
    env: 'HOST',
    flag: 'host',
    placeholder: 'address',
    defaultText: '127.0.0.1',
    description: 'Interface to listen on; 0.0.0.0 listens on all of them.',
    parse: nonEmpty,
  }),
  setting({
    key: 'databaseUrl',
    env: 'EES_DATABASE_URL',
    flag: 'database-url',
    placeholder: 'url',
    defaultText: 'sqlite:./data/ees.db',
    description: 'The store to serve, as a database URL (see below).',
    parse: nonEmpty,
  }),
  setting({
    key: 'statsIntervalMs',
    env: 'EES_STATS_INTERVAL',
    flag: 'stats-interval',
    placeholder: 'seconds',
    defaultText: '60',
    description: 'Seconds between statistics updates (GET /streams), e.g. 0.5.',
    parse: seconds,
  }),
  setting({
    key: 'apiTokens',
    env: 'EES_API_TOKENS',
    flag: 'api-tokens',
    placeholder: 'token:scope,...',
    defaultText: '',
    description:
      'API tokens, scope read or write; with any set, requests need "Authorization: Bearer".',
    secret: true,
    parse: parseTokenList,
  }),
  setting({
    key: 'apiTokensFile',
    env: 'EES_API_TOKENS_FILE',
    flag: 'api-tokens-file',
    placeholder: 'file',
    defaultText: '',
    description: 'A file of API tokens, one token:scope a line (# comments), read at start.',
    parse: optionalPath,
  }),
  setting({
    key: 'insecure',
    env: 'EES_INSECURE',
    flag: 'insecure',
    defaultText: 'false',
    description: 'Serve a non-loopback --host without API tokens (refused otherwise).',
    parse: boolean,
  }),
  setting({
    key: 'corsOrigins',
    env: 'EES_CORS_ORIGINS',
    flag: 'cors-origins',
    placeholder: 'origin,...',
    defaultText: '',
    description:
      'Web origins whose pages may call the API from a browser (CORS), e.g. https://app.example.com, or *.',
    parse: parseCorsOrigins,
  }),
  setting({
    key: 'maxChangesetBytes',
    env: 'EES_MAX_CHANGESET_BYTES',
    flag: 'max-changeset-bytes',
    placeholder: 'bytes',
    defaultText: '409600',
    description: 'Largest changeset accepted; larger commits get 413.',
    parse: integer(1),
  }),
  setting({
    key: 'maxEventsPerChangeset',
    env: 'EES_MAX_EVENTS_PER_CHANGESET',
    flag: 'max-events-per-changeset',
    placeholder: 'count',
    defaultText: '1000',
    description: 'Most events in one changeset; more get 413 TOO_MANY_EVENTS.',
    parse: integer(1),
  }),
  setting({
    key: 'maxStreamIdBytes',
    env: 'EES_MAX_STREAM_ID_BYTES',
    flag: 'max-stream-id-bytes',
    placeholder: 'bytes',
    defaultText: '1024',
    description: 'Longest stream id in UTF-8 bytes; longer get 400 INVALID_STREAM_ID.',
    parse: integer(1),
  }),
  setting({
    key: 'maxPageSize',
    env: 'EES_MAX_PAGE_SIZE',
    flag: 'max-page-size',
    placeholder: 'count',
    defaultText: '1000',
    description: 'Largest page (limit) served by GET /changesets.',
    parse: integer(1),
  }),
  setting({
    key: 'maxPageBytes',
    env: 'EES_MAX_PAGE_BYTES',
    flag: 'max-page-bytes',
    placeholder: 'bytes',
    defaultText: '4194304',
    description:
      'Most bytes of events and metadata in one page of GET /changesets or a subscription.',
    parse: integer(1),
  }),
  setting({
    key: 'maxHeaderBytes',
    env: 'EES_MAX_HEADER_BYTES',
    flag: 'max-header-bytes',
    placeholder: 'bytes',
    defaultText: '16384',
    description: 'Largest request line and headers together; larger get 431.',
    parse: integer(1024),
  }),
  setting({
    key: 'maxUrlBytes',
    env: 'EES_MAX_URL_BYTES',
    flag: 'max-url-bytes',
    placeholder: 'bytes',
    defaultText: '8192',
    description: 'Longest request URL (path and query); longer get 414 URI_TOO_LONG.',
    parse: integer(1),
  }),
  setting({
    key: 'maxSubscribers',
    env: 'EES_MAX_SUBSCRIBERS',
    flag: 'max-subscribers',
    placeholder: 'count',
    defaultText: '1000',
    description: 'Most open event-stream subscriptions; more get 503 TOO_MANY_SUBSCRIBERS.',
    parse: integer(1),
  }),
  setting({
    key: 'maxConnections',
    env: 'EES_MAX_CONNECTIONS',
    flag: 'max-connections',
    placeholder: 'count',
    defaultText: '10000',
    description:
      'Most open connections, subscriptions included (so above --max-subscribers); more are closed on arrival.',
    parse: integer(2),
  }),
] as const;

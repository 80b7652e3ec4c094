import type { CorsOptions, Limits } from '../http/index.js';
import { ConfigError } from '../runtime/errors.js';
import type { Config, Setting } from '../runtime/settings.js';
import { SETTINGS } from '../runtime/settings.js';

/**
 * The environment variables the Lambda functions read. The CDK app sets them from this table,
 * so the deployment and the functions cannot disagree on a name.
 */
export const LAMBDA_ENV = {
  /** Every function: the events table. */
  tableName: 'EES_TABLE_NAME',
  /** API: what `GET /version` answers; the package's version, set at deployment. */
  version: 'EES_VERSION',
  /** API: web origins allowed to call it from a browser, as `ees serve` reads them. */
  corsOrigins: 'EES_CORS_ORIGINS',
  /** Publisher: the FIFO topic of changesets. */
  changesetsTopicArn: 'EES_CHANGESETS_TOPIC_ARN',
  /** Publisher: the FIFO topic of events. */
  eventsTopicArn: 'EES_EVENTS_TOPIC_ARN',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

export interface TableSettings {
  readonly tableName: string;
}

export interface ApiSettings extends TableSettings {
  readonly version: string;
  /** `EES_CORS_ORIGINS`, read as `ees serve` reads it; none when unset. */
  readonly cors: CorsOptions;
  /** Only what the environment sets; the app's defaults fill in the rest. */
  readonly limits: Partial<Limits>;
}

export interface PublisherSettings {
  readonly changesetsTopicArn: string;
  readonly eventsTopicArn: string;
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`the environment variable ${name} is not set`);
  }
  if (value.trim() !== value) {
    throw new ConfigError(`invalid ${name} value ${JSON.stringify(value)}: surrounding spaces`);
  }
  return value;
}

/**
 * A setting of `ees serve` from the same variable and with the same rules
 * (`EES_MAX_PAGE_SIZE` ...); `undefined` when the variable is unset or empty.
 */
function fromServeSetting<K extends keyof Config>(env: Env, key: K): Config[K] | undefined {
  const setting = SETTINGS.find((candidate: Setting) => candidate.key === key) as
    Setting<K> | undefined;
  const raw = setting === undefined ? undefined : env[setting.env];
  if (setting === undefined || raw === undefined || raw === '') return undefined;
  const parsed = setting.parse(raw);
  if ('reason' in parsed) {
    throw new ConfigError(`invalid ${setting.env} value ${JSON.stringify(raw)}: ${parsed.reason}`);
  }
  return parsed.value;
}

/**
 * What the indexer and the statistics function need: the table.
 *
 * @throws ConfigError naming the variable, so a misconfigured function fails at cold start with
 * a message in its log instead of on the first record.
 */
export const tableSettings = (env: Env): TableSettings => ({
  tableName: required(env, LAMBDA_ENV.tableName),
});

/** The limits of `ees serve` that apply to the API function (it serves no subscriptions). */
const API_LIMITS = [
  'maxChangesetBytes',
  'maxEventsPerChangeset',
  'maxStreamIdBytes',
  'maxPageSize',
  'maxPageBytes',
  'maxUrlBytes',
] as const satisfies readonly (keyof Limits & keyof Config)[];

/**
 * The API function's default page bound, a quarter of `ees serve`'s. Lambda answers at most
 * 6 MB, counted after the body is escaped into the function's JSON result, where a quote or a
 * backslash takes two bytes. A page of 1 MiB, plus the changeset that crosses the bound (up to
 * 400 KiB) and a thousand changesets' stream ids and numbers, stays under that escaped.
 */
export const LAMBDA_MAX_PAGE_BYTES = 1024 * 1024;

/**
 * What the API function needs: the table, the version it reports, and the limits of
 * `API_LIMITS` that the environment sets (`EES_MAX_CHANGESET_BYTES`, `EES_MAX_PAGE_SIZE` ...,
 * parsed as `ees serve` parses them), with `EES_MAX_PAGE_BYTES` defaulting to
 * `LAMBDA_MAX_PAGE_BYTES`.
 *
 * @example
 * apiSettings({ EES_TABLE_NAME: 'events', EES_VERSION: '1.2.3', EES_MAX_PAGE_SIZE: '100' });
 * // → { tableName: 'events', version: '1.2.3', limits: { maxPageSize: 100, maxPageBytes: 1048576 } }
 */
export function apiSettings(env: Env): ApiSettings {
  const limits: { -readonly [K in keyof Limits]?: number } = {
    maxPageBytes: LAMBDA_MAX_PAGE_BYTES,
  };
  for (const key of API_LIMITS) {
    const value = fromServeSetting(env, key);
    if (value !== undefined) limits[key] = value;
  }
  return {
    ...tableSettings(env),
    version: required(env, LAMBDA_ENV.version),
    limits,
    cors: { origins: fromServeSetting(env, 'corsOrigins') ?? [] },
  };
}

/** What the publisher needs: the two topics. It never reads the table: records carry new images. */
export const publisherSettings = (env: Env): PublisherSettings => ({
  changesetsTopicArn: required(env, LAMBDA_ENV.changesetsTopicArn),
  eventsTopicArn: required(env, LAMBDA_ENV.eventsTopicArn),
});

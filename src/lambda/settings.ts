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

/**
 * What the API function needs: the table, the version it reports, and the limits
 * `EES_MAX_CHANGESET_BYTES`, `EES_MAX_PAGE_SIZE` and `EES_MAX_PAGE_BYTES` when set (parsed as
 * `ees serve` parses them).
 *
 * @example
 * apiSettings({ EES_TABLE_NAME: 'events', EES_VERSION: '1.2.3', EES_MAX_PAGE_SIZE: '100' });
 * // → { tableName: 'events', version: '1.2.3', limits: { maxPageSize: 100 } }
 */
export function apiSettings(env: Env): ApiSettings {
  const limits: { -readonly [K in keyof Limits]?: number } = {};
  const maxChangesetBytes = fromServeSetting(env, 'maxChangesetBytes');
  const maxPageSize = fromServeSetting(env, 'maxPageSize');
  const maxPageBytes = fromServeSetting(env, 'maxPageBytes');
  if (maxChangesetBytes !== undefined) limits.maxChangesetBytes = maxChangesetBytes;
  if (maxPageSize !== undefined) limits.maxPageSize = maxPageSize;
  if (maxPageBytes !== undefined) limits.maxPageBytes = maxPageBytes;
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

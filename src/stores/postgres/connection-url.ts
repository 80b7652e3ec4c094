import { parseNonNegativeInteger } from '../../core/index.js';
import type { PostgresStoreOptions } from './postgres-store.js';
import { schemaName } from './schema-name.js';

/** Query parameters the store reads from a database URL; node-postgres never sees them. */
const STORE_PARAMETERS = ['schema', 'pool_size'] as const;
type StoreParameter = (typeof STORE_PARAMETERS)[number];

const isStoreParameter = (name: string): name is StoreParameter =>
  (STORE_PARAMETERS as readonly string[]).includes(name);

/** Decodes a query-string part; a malformed escape is reported, not thrown as `URIError`. */
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new Error(`"${text}" is not validly percent-encoded`);
  }
}

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * Splits a database URL into the store's options: `schema` and `pool_size` are taken out of the
 * query string, everything else stays in the connection string for node-postgres (`sslmode`,
 * `application_name`, `options`...). The other parameters are kept byte for byte: re-encoding
 * them (as `URLSearchParams` would, turning `%20` into `+`) could change what they mean.
 *
 * @throws Error with a one-line reason for a repeated, empty or invalid `schema` or `pool_size`.
 * @example
 * postgresOptionsFromUrl('postgres://ees@db/ees?schema=tenant_a&pool_size=20&sslmode=require')
 * // { connectionString: 'postgres://ees@db/ees?sslmode=require', schema: 'tenant_a', poolSize: 20 }
 */
export function postgresOptionsFromUrl(url: string): PostgresStoreOptions {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  if (queryAt === -1) return { connectionString: url };

  const found = new Map<StoreParameter, string>();
  const kept: string[] = [];
  for (const pair of beforeHash.slice(queryAt + 1).split('&')) {
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    // Other parameters are node-postgres' business, however they are encoded.
    const name = safeDecode(rawName);
    if (!isStoreParameter(name)) {
      if (pair !== '') kept.push(pair);
      continue;
    }
    if (found.has(name)) throw new Error(`"${name}" is given more than once`);
    found.set(name, equals === -1 ? '' : decode(pair.slice(equals + 1)));
  }

  const query = kept.length === 0 ? '' : `?${kept.join('&')}`;
  const options: { -readonly [K in keyof PostgresStoreOptions]: PostgresStoreOptions[K] } = {
    connectionString: `${beforeHash.slice(0, queryAt)}${query}${hashAt === -1 ? '' : url.slice(hashAt)}`,
  };
  const schema = found.get('schema');
  if (schema !== undefined) options.schema = schemaName(schema).name;
  const poolSize = found.get('pool_size');
  if (poolSize !== undefined) {
    const parsed = parseNonNegativeInteger(poolSize);
    if (parsed === undefined || parsed < 1) {
      throw new Error(`"pool_size" must be an integer of at least 1, not "${poolSize}"`);
    }
    options.poolSize = parsed;
  }
  return options;
}

/** What a `dynamodb://` database URL says. */
export interface DynamoDbUrlOptions {
  readonly tableName: string;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly create: boolean;
}

/** DynamoDB's rule for table names. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

const PARAMETERS = new Set(['region', 'endpoint', 'create']);

const BOOLEANS = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
]);

/**
 * Reads `dynamodb://<table>?region=<region>&endpoint=<url>&create=true`. Every parameter is
 * optional: the region then comes from the SDK's usual sources (AWS_REGION, shared config),
 * the endpoint is AWS's, and the table must exist. Credentials are never part of the URL: the
 * SDK finds them in the environment (AWS_ACCESS_KEY_ID ..., AWS_PROFILE, an instance role).
 *
 * @throws Error with a one-line reason for anything else, including unknown parameters (a
 * misspelt `create` would otherwise be ignored silently).
 * @example
 * dynamoDbOptionsFromUrl('dynamodb://events?region=local&endpoint=http://127.0.0.1:8000&create=true');
 * // → { tableName: 'events', region: 'local', endpoint: 'http://127.0.0.1:8000', create: true }
 */
export function dynamoDbOptionsFromUrl(url: string): DynamoDbUrlOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('expected dynamodb://<table>?region=<region>&endpoint=<url>&create=true');
  }
  if (parsed.protocol !== 'dynamodb:' || !url.toLowerCase().startsWith('dynamodb://')) {
    throw new Error('expected dynamodb://<table>?region=<region>&endpoint=<url>&create=true');
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.port !== '') {
    throw new Error('the URL names a table only: no user, password or port');
  }
  if (parsed.pathname !== '' && parsed.pathname !== '/') {
    throw new Error(`unexpected path "${parsed.pathname}" after the table name`);
  }
  const tableName = decodeURIComponent(parsed.hostname);
  if (!TABLE_NAME.test(tableName)) {
    throw new Error(`"${tableName}" is not a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)`);
  }
  for (const name of parsed.searchParams.keys()) {
    if (!PARAMETERS.has(name)) {
      throw new Error(`unknown parameter "${name}"; expected region, endpoint or create`);
    }
  }
  const region = parsed.searchParams.get('region') ?? undefined;
  if (region === '') throw new Error('"region" is empty');
  const endpoint = parsed.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new Error(`"endpoint" must be an http:// or https:// URL, not "${endpoint}"`);
  }
  const createText = parsed.searchParams.get('create') ?? 'false';
  const create = BOOLEANS.get(createText);
  if (create === undefined) {
    throw new Error(`"create" must be true or false, not "${createText}"`);
  }
  return { tableName, region, endpoint, create };
}

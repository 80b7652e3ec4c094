import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

/** What the API function is invoked with: a REST API (payload 1.0) or HTTP API (2.0) event. */
export type ApiGatewayEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

/** A checked event, ready for the Hono adapter, or why it cannot be a request. */
export type PreparedEvent =
  { readonly event: ApiGatewayEvent; readonly problem?: undefined } | { readonly problem: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 9110 token: what a method or header name may consist of (`new Request` rejects the rest). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What no header value may hold (`Headers` rejects it). */
const FORBIDDEN_IN_HEADER_VALUE = /[\0\r\n]/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Characters that may stand literally in an encoded path (RFC 3986 pchar and `/`), and `%`
 * followed by two hex digits. Anything else can only be there because the path was decoded.
 */
const PATH_LITERAL = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2}/uy;
/** The same, with any `%`: in a path known to be as the client sent it, a stray `%` is its. */
const SENT_PATH_LITERAL = /[A-Za-z0-9\-._~!$&'()*+,;=:@/%]/uy;
const utf8 = new TextEncoder();

/**
 * The path as a valid encoded URL path. REST APIs (and Lambda function URLs) hand the path over
 * as the client sent it, percent-encoded, and it passes unchanged. HTTP APIs hand it over
 * decoded (`/streams/café`, `/streams/a b`): characters that cannot stand in an encoded path
 * are encoded again, so the request reaches the same route with the same stream id, rather
 * than being cut at a decoded `?` or `#`. Two things an HTTP API loses cannot be recovered: a
 * stream id containing `/` (sent as `%2F`, decoded to a path separator) and one containing `%`
 * followed by two hex digits. Stream ids like those need the REST API, which CDK deploys.
 *
 * `asSent` says the path is known to be the client's (a REST API's): a `%` that starts no
 * escape (`/streams/100%`) is then left for the app to refuse, as `ees serve` does, instead of
 * being taken as a decoded `%`.
 */
export function encodePath(path: string, asSent = false): string {
  const literals = asSent ? SENT_PATH_LITERAL : PATH_LITERAL;
  let encoded = '';
  let index = 0;
  while (index < path.length) {
    literals.lastIndex = index;
    const literal = literals.exec(path);
    if (literal !== null) {
      encoded += literal[0];
      index += literal[0].length;
      continue;
    }
    const codePoint = path.codePointAt(index) ?? 0;
    const character = String.fromCodePoint(codePoint);
    for (const byte of utf8.encode(character)) {
      encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    index += character.length;
  }
  return encoded;
}

function headersProblem(headers: unknown, multiValue: boolean): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (!isObject(headers)) return 'headers are not an object';
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) return `invalid header name ${JSON.stringify(name)}`;
    const values: unknown[] = multiValue && Array.isArray(value) ? value : [value];
    for (const single of values) {
      if (single === undefined || single === null) continue;
      if (typeof single !== 'string' || FORBIDDEN_IN_HEADER_VALUE.test(single)) {
        return `invalid value of header ${JSON.stringify(name)}`;
      }
    }
  }
  return undefined;
}

function queryProblem(query: unknown, multiValue: boolean): string | undefined {
  if (query === undefined || query === null) return undefined;
  if (!isObject(query)) return 'query string parameters are not an object';
  for (const [name, value] of Object.entries(query)) {
    const ok = multiValue
      ? Array.isArray(value) && value.every((single) => typeof single === 'string')
      : value === undefined || value === null || typeof value === 'string';
    if (!ok) return `invalid query string parameter ${JSON.stringify(name)}`;
  }
  return undefined;
}

function bodyProblem(event: Json): string | undefined {
  const { body, isBase64Encoded } = event;
  if (body !== undefined && body !== null && typeof body !== 'string') return 'body is not text';
  if (isBase64Encoded !== undefined && typeof isBase64Encoded !== 'boolean') {
    return 'isBase64Encoded is not a boolean';
  }
  if (isBase64Encoded === true && typeof body === 'string' && !BASE64.test(body)) {
    return 'body is not base64 although isBase64Encoded says so';
  }
  return undefined;
}

/** The host the adapter builds the request URL from (the app never reads it, but it must parse). */
function domainProblem(event: Json, requestContext: Json): string | undefined {
  const headers = isObject(event.headers) ? event.headers : {};
  const domain = 'domainName' in requestContext ? requestContext.domainName : headers.host;
  return URL.canParse(`https://${String(domain)}/`) ? undefined : 'invalid domain name';
}

/**
 * An HTTP API stage other than `$default` prefixes the path with its name (`/prod/streams/x`);
 * the app's routes start at `/`.
 */
function withoutStage(rawPath: string, stage: unknown): string {
  if (typeof stage !== 'string' || stage === '' || stage === '$default') return rawPath;
  const prefix = `/${stage}`;
  if (rawPath === prefix) return '/';
  return rawPath.startsWith(`${prefix}/`) ? rawPath.slice(prefix.length) : rawPath;
}

function prepareV2(event: Json, requestContext: Json): PreparedEvent {
  const { rawPath, rawQueryString, cookies } = event;
  const http = requestContext.http;
  if (typeof rawPath !== 'string' || !rawPath.startsWith('/')) {
    return { problem: 'rawPath is not a path' };
  }
  if (!isObject(http) || typeof http.method !== 'string' || !TOKEN.test(http.method)) {
    return { problem: 'requestContext.http.method is not an HTTP method' };
  }
  if (rawQueryString !== undefined && typeof rawQueryString !== 'string') {
    return { problem: 'rawQueryString is not text' };
  }
  if (
    cookies !== undefined &&
    !(Array.isArray(cookies) && cookies.every((cookie) => typeof cookie === 'string'))
  ) {
    return { problem: 'cookies are not a list of text' };
  }
  const problem =
    headersProblem(event.headers, false) ??
    queryProblem(event.queryStringParameters, false) ??
    bodyProblem(event) ??
    domainProblem(event, requestContext);
  if (problem !== undefined) return { problem };
  return {
    event: {
      ...event,
      rawPath: encodePath(withoutStage(rawPath, requestContext.stage)),
    } as unknown as APIGatewayProxyEventV2,
  };
}

function prepareV1(event: Json, requestContext: Json): PreparedEvent {
  const { httpMethod, path } = event;
  if (typeof httpMethod !== 'string' || !TOKEN.test(httpMethod)) {
    return { problem: 'httpMethod is not an HTTP method' };
  }
  if (typeof path !== 'string' || !path.startsWith('/')) return { problem: 'path is not a path' };
  const problem =
    headersProblem(event.headers, false) ??
    headersProblem(event.multiValueHeaders, true) ??
    queryProblem(event.queryStringParameters, false) ??
    queryProblem(event.multiValueQueryStringParameters, true) ??
    bodyProblem(event) ??
    domainProblem(event, requestContext);
  if (problem !== undefined) return { problem };
  // An HTTP API's payload 1.0 says its version, and its path is decoded; a REST API's says none.
  const asSent = event.version === undefined;
  return { event: { ...event, path: encodePath(path, asSent) } as unknown as APIGatewayProxyEvent };
}

/**
 * Checks that an invocation is an API Gateway proxy event the Hono adapter can turn into a
 * request, and normalises its path (see `encodePath`; HTTP API stage prefixes are removed).
 * API Gateway never sends anything else, so a problem here means the function was invoked by
 * hand or by another trigger: it is answered with a 400 rather than a crash. The event itself is
 * left untouched.
 */
export function prepareApiEvent(event: unknown): PreparedEvent {
  if (!isObject(event)) return { problem: 'the event is not an object' };
  const { requestContext } = event;
  if (!isObject(requestContext)) return { problem: 'requestContext is not an object' };
  return 'rawPath' in event || event.version === '2.0'
    ? prepareV2(event, requestContext)
    : prepareV1(event, requestContext);
}

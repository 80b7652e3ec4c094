import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ApiGatewayResult, ApiHandler } from '../../src/lambda/index.js';
import type { HttpClient } from '../http/client.js';

/** What a test request says; the factories below turn it into what API Gateway would send. */
export interface RequestSpec {
  readonly method: string;
  /** The path as the client sent it (percent-encoded), without the query. */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly query?: string;
  readonly body?: string | Uint8Array;
  readonly headers?: Record<string, string>;
}

const DOMAIN = 'abc123.execute-api.eu-west-1.amazonaws.com';

/** The handler never reads path parameters; a path that does not decode is left as it is. */
function decodedIfValid(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const bodyOf = (body: RequestSpec['body']) =>
  body === undefined
    ? { isBase64Encoded: false }
    : typeof body === 'string'
      ? { body, isBase64Encoded: false }
      : { body: Buffer.from(body).toString('base64'), isBase64Encoded: true };

const headersOf = (spec: RequestSpec): Record<string, string> => ({
  accept: '*/*',
  host: DOMAIN,
  'user-agent': 'curl/8.5.0',
  'x-forwarded-proto': 'https',
  ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
  ...spec.headers,
});

/**
 * A REST API (payload 1.0) proxy event, shaped like a captured one: the path as sent (REST APIs
 * keep it percent-encoded), query parameters decoded, single and multi-value alike.
 */
export function restApiEvent(spec: RequestSpec): APIGatewayProxyEvent {
  const params = new URLSearchParams(spec.query ?? '');
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of params) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  const headers = headersOf(spec);
  const hasQuery = [...params.keys()].length > 0;
  return {
    resource: '/{proxy+}',
    path: spec.path,
    httpMethod: spec.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: hasQuery ? single : null,
    multiValueQueryStringParameters: hasQuery ? multi : null,
    pathParameters: { proxy: decodedIfValid(spec.path.slice(1)) },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      domainName: DOMAIN,
      domainPrefix: 'abc123',
      extendedRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      httpMethod: spec.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.7',
        user: null,
        userAgent: 'curl/8.5.0',
        userArn: null,
      },
      path: `/prod${spec.path}`,
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: 1_700_000_000_000,
      resourceId: 'abc123',
      resourcePath: '/{proxy+}',
      stage: 'prod',
    },
    body: null,
    ...bodyOf(spec.body),
  };
}

/**
 * An HTTP API (payload 2.0) event. `rawPath` is what the client sent by default (as Lambda
 * function URLs deliver it); `decodedPath` makes it what HTTP APIs deliver, decoded.
 */
export function httpApiEvent(
  spec: RequestSpec,
  options: { readonly decodedPath?: boolean; readonly stage?: string } = {},
): APIGatewayProxyEventV2 {
  const stage = options.stage ?? '$default';
  const path = options.decodedPath === true ? decodeURIComponent(spec.path) : spec.path;
  const rawPath = stage === '$default' ? path : `/${stage}${path}`;
  const params = new URLSearchParams(spec.query ?? '');
  const query: Record<string, string> = {};
  for (const [name, value] of params)
    query[name] = name in query ? `${query[name]},${value}` : value;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: spec.query ?? '',
    headers: headersOf(spec),
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: DOMAIN,
      domainPrefix: 'abc123',
      http: {
        method: spec.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'curl/8.5.0',
      },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: '$default',
      stage,
      time: '14/Nov/2023:22:13:20 +0000',
      timeEpoch: 1_700_000_000_000,
    },
    ...bodyOf(spec.body),
  };
}

/** The status, content type and parsed body of a handler's result. */
export function responseOf(result: ApiGatewayResult) {
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body;
  return {
    status: result.statusCode,
    contentType:
      result.headers?.['content-type'] ?? result.multiValueHeaders?.['content-type']?.[0] ?? null,
    body: body === '' ? undefined : (JSON.parse(body) as unknown),
  };
}

/** The contract suite's client, speaking to the handler through API Gateway events. */
export const lambdaClient =
  (handler: ApiHandler, toEvent: (spec: RequestSpec) => unknown): HttpClient =>
  async (method, target, body) => {
    const [path = '', query] = target.split(/\?(.*)/s);
    return responseOf(await handler(toEvent({ method, path, query, body })));
  };

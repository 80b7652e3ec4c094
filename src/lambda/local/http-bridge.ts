import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ApiGatewayResult } from '../api-handler.js';

/** An HTTP request as the local server read it. */
export interface BridgedRequest {
  readonly method: string;
  /** The request target as sent: path and query, percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly sourceIp?: string;
}

const HOST = 'localhost';

/**
 * The HTTP API (payload 2.0) event a Lambda function URL would deliver for this request: path
 * and query as sent, headers joined, the body base64-encoded (as API Gateway does for bodies it
 * does not know to be text), so the API function runs locally on exactly what AWS hands it.
 */
export function httpApiEventOf(request: BridgedRequest): APIGatewayProxyEventV2 {
  const [rawPath = '/', rawQueryString = ''] = request.url.split(/\?(.*)/s);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const previous = queryStringParameters[name];
    queryStringParameters[name] = previous === undefined ? value : `${previous},${value}`;
  }
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString === '' ? {} : { queryStringParameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? HOST,
      domainPrefix: 'local',
      http: {
        method: request.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: crypto.randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(request.body.byteLength === 0
      ? { isBase64Encoded: false }
      : { body: request.body.toString('base64'), isBase64Encoded: true }),
  };
}

/** Writes the function's result as API Gateway would answer the client. */
export function writeApiResult(response: ServerResponse, result: ApiGatewayResult): void {
  const headers: Record<string, string | string[]> = { ...result.headers };
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name] = [...values];
  }
  if (result.cookies !== undefined && result.cookies.length > 0) {
    headers['set-cookie'] = [...result.cookies];
  }
  response.writeHead(result.statusCode, headers);
  response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

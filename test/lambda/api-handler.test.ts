import { describe, expect, it, vi } from 'vitest';
import { commitChangeset } from '../../src/core/index.js';
import type { Limits } from '../../src/http/index.js';
import { createApp } from '../../src/http/index.js';
import { apiSettings, createApiHandler, encodePath } from '../../src/lambda/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { httpApiEvent, responseOf, restApiEvent } from './api-events.js';

const version = '0.1.0';

/** A handler and, on the same store, the app answering directly: the reference. */
function setup() {
  const store = createMemoryStore();
  return {
    handler: createApiHandler({ store, version }),
    app: createApp({ store, version }),
  };
}

async function direct(response: Response) {
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: JSON.parse(text) as unknown,
  };
}

const commitBody = JSON.stringify({ events: [{ type: 'opened' }], metadata: { by: 'ana' } });

describe('the API function', () => {
  it('commits from a literal HTTP API (2.0) event', async () => {
    const { handler } = setup();
    const result = await handler({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/streams/account-42',
      rawQueryString: 'expected_last_changeset=0',
      headers: {
        'content-type': 'application/json',
        host: 'abc.execute-api.eu-west-1.amazonaws.com',
      },
      queryStringParameters: { expected_last_changeset: '0' },
      requestContext: {
        accountId: '123456789012',
        apiId: 'abc',
        domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
        domainPrefix: 'abc',
        http: {
          method: 'POST',
          path: '/streams/account-42',
          protocol: 'HTTP/1.1',
          sourceIp: '203.0.113.7',
          userAgent: 'curl/8.5.0',
        },
        requestId: 'id',
        routeKey: '$default',
        stage: '$default',
        time: '14/Nov/2023:22:13:20 +0000',
        timeEpoch: 1_700_000_000_000,
      },
      body: commitBody,
      isBase64Encoded: false,
    });
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"stream_id":"account-42","changeset_id":1}',
      isBase64Encoded: false,
    });
  });

  it('commits from a literal REST API (1.0) event and answers in its multi-value format', async () => {
    const { handler } = setup();
    const result = await handler({
      resource: '/{proxy+}',
      path: '/streams/account-42',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json' },
      multiValueHeaders: { 'Content-Type': ['application/json'] },
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: { proxy: 'streams/account-42' },
      stageVariables: null,
      requestContext: {
        domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
        httpMethod: 'POST',
        path: '/prod/streams/account-42',
        stage: 'prod',
        resourcePath: '/{proxy+}',
        requestId: 'id',
      },
      body: commitBody,
      isBase64Encoded: false,
    });
    expect(result).toEqual({
      statusCode: 200,
      multiValueHeaders: { 'content-type': ['application/json'] },
      body: '{"stream_id":"account-42","changeset_id":1}',
      isBase64Encoded: false,
    });
  });

  it.each([
    ['REST API', restApiEvent],
    ['HTTP API', httpApiEvent],
  ])('answers a conflict (%s) with the same 409 body as the app', async (_, toEvent) => {
    const { handler, app } = setup();
    const path = '/streams/account-42';
    await handler(toEvent({ method: 'POST', path, body: commitBody }));
    const late = JSON.stringify({ events: [{ type: 'late' }] });
    const viaLambda = responseOf(await handler(toEvent({ method: 'POST', path, body: late })));
    const viaApp = await direct(await app.request(path, { method: 'POST', body: late }));
    expect(viaLambda).toEqual(viaApp);
    expect(viaLambda).toEqual({
      status: 409,
      contentType: 'application/json',
      body: {
        stream_id: 'account-42',
        error: 'OPTIMISTIC_CONCURRENCY_EXCEPTION',
        message:
          'The expected last changeset (0) is outdated, review the changeset(s) appended after it.',
        forthcoming_changesets: [
          { changeset_id: 1, events: [{ type: 'opened' }], metadata: { by: 'ana' } },
        ],
      },
    });
  });

  it('reads a stream whose id is URL-encoded Unicode, as sent and as an HTTP API decodes it', async () => {
    const { handler, app } = setup();
    const streamId = 'café/☕ 1?#%';
    const path = `/streams/${encodeURIComponent(streamId)}`;
    expect(
      responseOf(await handler(restApiEvent({ method: 'POST', path, body: commitBody }))),
    ).toEqual({
      status: 200,
      contentType: 'application/json',
      body: { stream_id: streamId, changeset_id: 1 },
    });
    const reference = await direct(await app.request(`${path}/changesets`));
    expect(reference.body).toMatchObject({ stream_id: streamId });
    for (const event of [
      restApiEvent({ method: 'GET', path: `${path}/changesets` }),
      httpApiEvent({ method: 'GET', path: `${path}/changesets` }),
    ]) {
      expect(responseOf(await handler(event))).toEqual(reference);
    }
    // An HTTP API decodes the path: "/" and "%XX" cannot come back, everything else does.
    const plain = 'café ☕ 1?#';
    const plainPath = `/streams/${encodeURIComponent(plain)}`;
    await handler(httpApiEvent({ method: 'POST', path: plainPath, body: commitBody }));
    expect(
      responseOf(
        await handler(
          httpApiEvent({ method: 'GET', path: `${plainPath}/events` }, { decodedPath: true }),
        ),
      ),
    ).toEqual({
      status: 200,
      contentType: 'application/json',
      body: { stream_id: plain, events: [{ id: 1, data: { type: 'opened' } }] },
    });
  });

  it('refuses a stray "%" in a REST API path as ees serve does, and takes it from a decoded path', async () => {
    const { handler, app } = setup();
    for (const path of ['/streams/100%', '/streams/a%ZZ/changesets', '/streams/%2/events']) {
      const reference = await direct(await app.request(path));
      expect(reference).toMatchObject({ status: 400, body: { error: 'INVALID_STREAM_ID' } });
      expect(responseOf(await handler(restApiEvent({ method: 'GET', path })))).toEqual(reference);
      const post = { method: 'POST', path, body: commitBody };
      expect(responseOf(await handler(restApiEvent(post))).status).toBe(400);
    }
    // Nothing was written.
    expect(
      responseOf(await handler(restApiEvent({ method: 'GET', path: '/changesets' }))),
    ).toMatchObject({ status: 200, body: { changesets: [] } });
    // An HTTP API hands the path over decoded, in payload 2.0 and 1.0 alike: its "%" was "%25".
    const decoded = { method: 'POST', path: '/streams/100%', body: commitBody };
    const accepted = { stream_id: '100%', changeset_id: 1 };
    expect(responseOf(await handler(httpApiEvent(decoded))).body).toEqual(accepted);
    const payload1 = { ...restApiEvent(decoded), version: '1.0' };
    expect(responseOf(await handler(payload1))).toMatchObject({
      status: 409,
      body: { stream_id: '100%', forthcoming_changesets: [{ changeset_id: 1 }] },
    });
  });

  it('answers a base64-encoded body as the plain one', async () => {
    const { handler } = setup();
    const result = await handler(
      httpApiEvent({
        method: 'POST',
        path: '/streams/s',
        body: new TextEncoder().encode(commitBody),
      }),
    );
    expect(responseOf(result)).toMatchObject({ status: 200, body: { changeset_id: 1 } });
  });

  it.each([
    ['REST API', restApiEvent],
    ['HTTP API', httpApiEvent],
  ])('answers an unknown path (%s) with 404 Invalid endpoint', async (_, toEvent) => {
    const { handler } = setup();
    expect(responseOf(await handler(toEvent({ method: 'GET', path: '/nope' })))).toEqual({
      status: 404,
      contentType: 'application/json',
      body: { message: 'Invalid endpoint' },
    });
    expect(
      responseOf(await handler(toEvent({ method: 'DELETE', path: '/streams/s' }))),
    ).toMatchObject({ status: 404, body: { message: 'Invalid endpoint' } });
  });

  it('strips the stage an HTTP API puts in front of the path', async () => {
    const { handler } = setup();
    expect(
      responseOf(
        await handler(httpApiEvent({ method: 'GET', path: '/version' }, { stage: 'prod' })),
      ),
    ).toEqual({ status: 200, contentType: 'application/json', body: { version } });
  });

  const valid = restApiEvent({ method: 'GET', path: '/version' });
  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'GET /version'],
    ['an empty object', {}],
    ['no requestContext', { ...valid, requestContext: undefined }],
    ['no method', { ...valid, httpMethod: undefined }],
    ['an invalid method', { ...valid, httpMethod: 'GE T' }],
    ['a relative path', { ...valid, path: 'version' }],
    ['a non-string body', { ...valid, body: { events: [] } }],
    ['a body that is not base64', { ...valid, body: '{"a":1}', isBase64Encoded: true }],
    [
      'a header with a line break',
      { ...valid, headers: { 'x-a': 'b\r\nx-c: d' }, multiValueHeaders: undefined },
    ],
    [
      'multi-value query parameters that are not lists',
      { ...valid, multiValueQueryStringParameters: { a: 'b' } },
    ],
    [
      'an invalid domain',
      { ...valid, requestContext: { ...valid.requestContext, domainName: 'a b/c' } },
    ],
    [
      'a 2.0 event without http',
      { ...httpApiEvent({ method: 'GET', path: '/version' }), requestContext: {} },
    ],
    [
      'a 2.0 event without rawPath',
      { ...httpApiEvent({ method: 'GET', path: '/version' }), rawPath: 7 },
    ],
  ])('answers a malformed event (%s) with 400, not a crash', async (_, event) => {
    const { handler } = setup();
    const result = await handler(event);
    expect(result).toMatchObject({
      statusCode: 400,
      headers: { 'content-type': 'application/json' },
      isBase64Encoded: false,
    });
    expect(JSON.parse(result.body)).toMatchObject({
      error: 'INVALID_REQUEST',
      message: expect.stringMatching(/^Not an API Gateway proxy request: .+\.$/) as unknown,
    });
  });

  it('does not touch the store to answer GET /version', async () => {
    const store = createMemoryStore();
    const commit = vi.spyOn(store, 'readProjection');
    const handler = createApiHandler({ store, version });
    expect(responseOf(await handler(httpApiEvent({ method: 'GET', path: '/version' })))).toEqual({
      status: 200,
      contentType: 'application/json',
      body: { version },
    });
    expect(commit).not.toHaveBeenCalled();
  });

  it('answers 500 with the contract body when reading the event itself fails', async () => {
    const errors: unknown[] = [];
    const handler = createApiHandler({
      store: createMemoryStore(),
      version,
      onUnexpectedError: (error) => errors.push(error),
    });
    // A getter that throws once the event is read past its validation.
    const event = { ...httpApiEvent({ method: 'GET', path: '/version' }) };
    let reads = 0;
    Object.defineProperty(event, 'body', {
      enumerable: true,
      get() {
        if (++reads > 1) throw new Error('boom');
        return null;
      },
    });
    const result = await handler(event);
    expect(responseOf(result)).toEqual({
      status: 500,
      contentType: 'application/json',
      body: { error: 'INTERNAL_ERROR', message: 'An unexpected error occurred.' },
    });
    expect(errors).toHaveLength(1);
  });
});

describe('the answer size on Lambda', () => {
  /** Lambda refuses a function result over 6 MB (the whole JSON result, body escaped in it). */
  const LAMBDA_RESULT_BYTES = 6 * 1024 * 1024;

  it('keeps a page of quote-filled events under Lambda 6 MB with the API function defaults', async () => {
    const store = createMemoryStore();
    // 100 KB of events JSON each, all escaped quotes: 200 KB once escaped into the result.
    for (let n = 0; n < 60; n++) {
      await commitChangeset(store, {
        streamId: 'quotes',
        expectation: { kind: 'changeset', lastChangesetId: n },
        events: [{ q: '"'.repeat(50_000) }],
        metadata: {},
      });
    }
    const resultBytes = async (limits: Partial<Limits>) => {
      const handler = createApiHandler({ store, version, limits });
      const result = await handler(
        restApiEvent({ method: 'GET', path: '/changesets', query: 'limit=1000' }),
      );
      expect(result.statusCode).toBe(200);
      return Buffer.byteLength(JSON.stringify(result));
    };
    const { limits } = apiSettings({ EES_TABLE_NAME: 't', EES_VERSION: version });
    expect(await resultBytes(limits)).toBeLessThan(LAMBDA_RESULT_BYTES);
    // What ees serve's default page would have made of it.
    expect(await resultBytes({})).toBeGreaterThan(LAMBDA_RESULT_BYTES);
  });
});

describe('encodePath', () => {
  it.each([
    ['/streams/abc', '/streams/abc'],
    ['/streams/caf%C3%A9', '/streams/caf%C3%A9'],
    ['/streams/a%2Fb', '/streams/a%2Fb'],
    ['/streams/café', '/streams/caf%C3%A9'],
    ['/streams/a b', '/streams/a%20b'],
    ['/streams/a?b#c', '/streams/a%3Fb%23c'],
    ['/streams/100%', '/streams/100%25'],
    ['/streams/☕', '/streams/%E2%98%95'],
    ["/streams/a-._~!$&'()*+,;=:@", "/streams/a-._~!$&'()*+,;=:@"],
  ])('keeps an encoded path and re-encodes a decoded one: %s', (path, expected) => {
    expect(encodePath(path)).toBe(expected);
  });

  it.each([
    ['/streams/100%', '/streams/100%'],
    ['/streams/a%ZZb', '/streams/a%ZZb'],
    ['/streams/caf%C3%A9 x', '/streams/caf%C3%A9%20x'],
  ])('leaves a stray "%" in a path as sent, for the app to refuse: %s', (path, expected) => {
    expect(encodePath(path, true)).toBe(expected);
  });
});

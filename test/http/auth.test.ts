import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventStore } from '../../src/core/index.js';
import { NEW_STREAM, commitChangeset } from '../../src/core/index.js';
import type { ApiToken } from '../../src/http/index.js';
import { createApp, digestEquals } from '../../src/http/index.js';
import { resolveConfig } from '../../src/runtime/config.js';
import type { RunningServer } from '../../src/runtime/server.js';
import { startServer } from '../../src/runtime/server.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { sseFrames } from './sse-reader.js';

const WRITE = 'w-7Kq2xZ9pL4mN8vB3';
const READ = 'r-Hc5Tg1Yd6Wf0Js2A';
const TOKENS: ApiToken[] = [
  { token: WRITE, scope: 'write' },
  { token: READ, scope: 'read' },
];

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const SSE = { accept: 'text/event-stream' };

const UNAUTHORIZED_MISSING = {
  error: 'UNAUTHORIZED',
  message: 'This endpoint requires an API token: send "Authorization: Bearer <token>".',
};
const UNAUTHORIZED_INVALID = { error: 'UNAUTHORIZED', message: 'The API token is not valid.' };
const FORBIDDEN = {
  error: 'FORBIDDEN',
  message: 'The API token does not grant write access, which this request requires.',
};

/** Every endpoint that needs a token, with the scope it needs. */
const PROTECTED: [method: string, path: string, headers?: Record<string, string>][] = [
  ['GET', '/streams/acct-1/changesets'],
  ['GET', '/streams/acct-1/events?from=1'],
  ['GET', '/changesets?checkpoint=0&limit=5'],
  ['GET', '/streams'],
  ['GET', '/openapi.json'],
  ['GET', '/changesets', SSE],
  ['GET', '/events', SSE],
  ['GET', '/streams/acct-1/changesets', SSE],
  ['GET', '/streams/acct-1/events', SSE],
  ['POST', '/streams/acct-2'],
  ['GET', '/no-such-endpoint'],
];

const PUBLIC = ['/version', '/health/live', '/health/ready'];

const commitBody = JSON.stringify({ events: [{ type: 'opened' }] });

describe('access control in process (app.request)', () => {
  let store: EventStore;
  let request: (path: string, init?: RequestInit) => Promise<Response>;
  let shutdown: AbortController;

  beforeEach(async () => {
    store = createMemoryStore();
    await commitChangeset(store, {
      streamId: 'acct-1',
      expectation: NEW_STREAM,
      events: [{ type: 'opened' }],
      metadata: {},
    });
    shutdown = new AbortController();
    const app = createApp({
      store,
      version: '1.2.3',
      auth: { tokens: TOKENS },
      shutdown: shutdown.signal,
      push: { heartbeatMs: 60_000 },
    });
    request = async (path, init = {}) => {
      const response = await app.request(path, init);
      // Subscriptions that got through never end by themselves.
      if (response.headers.get('content-type') === 'text/event-stream') {
        await response.body?.cancel();
      }
      return response;
    };
  });
  afterEach(async () => {
    shutdown.abort();
    await store.close();
  });

  const call = (method: string, path: string, headers: Record<string, string> = {}) =>
    request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(method === 'POST' ? { body: commitBody } : {}),
    });

  it.each(PROTECTED)(
    '%s %s without a token: 401 UNAUTHORIZED with WWW-Authenticate: Bearer',
    async (method, path, headers) => {
      const response = await call(method, path, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual(UNAUTHORIZED_MISSING);
    },
  );

  it.each(PROTECTED)('%s %s with an unknown token: 401', async (method, path, headers) => {
    const response = await call(method, path, { ...headers, ...bearer('not-a-token') });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toEqual(UNAUTHORIZED_INVALID);
  });

  it.each([
    ['a prefix of a token', WRITE.slice(0, -1)],
    ['a token with one more character', `${WRITE}x`],
    ['a token with its last character changed', `${WRITE.slice(0, -1)}4`],
    ['a token with its first character changed', `W${WRITE.slice(1)}`],
    ['a single character', 'w'],
    ['a very long token', WRITE.repeat(200)],
    ['both tokens run together', `${WRITE}${READ}`],
  ])('rejects %s', async (_, token) => {
    const response = await call('GET', '/changesets', bearer(token));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(UNAUTHORIZED_INVALID);
  });

  it.each([
    ['another scheme', `Basic ${btoa(`user:${WRITE}`)}`],
    ['the scheme without a token', 'Bearer'],
    ['the scheme and a blank', 'Bearer  '],
    ['the token without the scheme', WRITE],
    ['two tokens', `Bearer ${WRITE} ${WRITE}`],
    ['a token with a character no Bearer token has', `Bearer ${WRITE}!`],
  ])('rejects %s in the Authorization header', async (_, authorization) => {
    const response = await call('GET', '/changesets', { authorization });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('takes the scheme in any case, as RFC 7235 wants', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const response = await call('GET', '/changesets', { authorization: `${scheme} ${READ}` });
      expect(response.status).toBe(200);
    }
  });

  it.each(PUBLIC)('GET %s needs no token', async (path) => {
    const response = await call('GET', path);
    expect(response.status).toBe(200);
  });

  it('a read token reads every GET endpoint, subscriptions included', async () => {
    for (const [method, path, headers] of PROTECTED.filter(([m]) => m === 'GET')) {
      const response = await call(method, path, { ...headers, ...bearer(READ) });
      const expected = path === '/streams' ? 404 : path === '/no-such-endpoint' ? 404 : 200;
      expect([path, response.status]).toEqual([path, expected]);
    }
  });

  it('a read token may not commit: 403 FORBIDDEN, nothing written', async () => {
    const response = await call('POST', '/streams/acct-2', bearer(READ));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope"');
    expect(await response.json()).toEqual(FORBIDDEN);
    expect(await store.readChangesets('acct-2', {})).toBeUndefined();
    expect(await store.readGlobal(0, 10)).toHaveLength(1);
  });

  it('a write token commits, and reads too (write implies read)', async () => {
    const committed = await call('POST', '/streams/acct-2', bearer(WRITE));
    expect(committed.status).toBe(200);
    expect(await committed.json()).toEqual({ stream_id: 'acct-2', changeset_id: 1 });
    for (const [method, path, headers] of PROTECTED.filter(([m]) => m === 'GET')) {
      const response = await call(method, path, { ...headers, ...bearer(WRITE) });
      expect(response.status).not.toBe(401);
      expect(response.status).not.toBe(403);
    }
  });

  it('rejects before the body is read or the stream id is judged', async () => {
    const response = await request(`/streams/${'x'.repeat(5000)}`, {
      method: 'POST',
      body: 'not json',
    });
    expect(response.status).toBe(401);
  });

  it('declares the bearer scheme in the OpenAPI document, with the open endpoints exempt', async () => {
    const doc = (await (await call('GET', '/openapi.json', bearer(READ))).json()) as {
      security?: unknown;
      components: { securitySchemes?: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components.securitySchemes?.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    for (const path of PUBLIC) expect(doc.paths[path]?.get?.security).toEqual([]);
  });
});

describe('comparing tokens', () => {
  it('compares the presented token with every configured one, never stopping at a match', async () => {
    const equals = vi.fn((presented: string, configured: string) => presented === configured);
    const tokens: ApiToken[] = [
      { token: 'first', scope: 'write' },
      { token: 'second', scope: 'read' },
      { token: 'third', scope: 'read' },
    ];
    const app = createApp({ store: createMemoryStore(), version: '1', auth: { tokens, equals } });
    const response = await app.request('/changesets', { headers: bearer('first') });
    expect(response.status).toBe(200);
    expect(equals.mock.calls).toEqual([
      ['first', 'first'],
      ['first', 'second'],
      ['first', 'third'],
    ]);
    expect((await app.request('/changesets', { headers: bearer('fourth') })).status).toBe(401);
    expect(equals).toHaveBeenCalledTimes(6);
  });

  it('digestEquals (the default, Web Crypto) matches exact tokens only', async () => {
    expect(await digestEquals(WRITE, WRITE)).toBe(true);
    for (const other of ['', WRITE.slice(0, -1), `${WRITE}=`, WRITE.toUpperCase(), READ]) {
      expect(await digestEquals(other, WRITE)).toBe(false);
    }
  });

  it('without tokens (or with an empty list) every endpoint is open, as before', async () => {
    for (const options of [{}, { auth: { tokens: [] } }]) {
      const app = createApp({ store: createMemoryStore(), version: '1', ...options });
      expect((await app.request('/changesets')).status).toBe(200);
      const doc = (await (await app.request('/openapi.json')).json()) as Record<string, unknown>;
      expect(doc.security).toBeUndefined();
      const committed = await app.request('/streams/s', { method: 'POST', body: commitBody });
      expect(committed.status).toBe(200);
    }
  });
});

describe('access control over a real server', () => {
  let server: RunningServer;
  const logged: string[] = [];
  const consoleError = vi.spyOn(console, 'error');

  beforeAll(async () => {
    const config = resolveConfig({ EES_API_TOKENS: `${WRITE}:write,${READ}:read` }, [
      '--port',
      '0',
      '--database-url',
      'memory:',
    ]);
    server = await startServer({
      config,
      store: createMemoryStore(),
      version: '1.2.3',
      log: (line) => logged.push(line),
      shutdownGraceMs: 1_000,
    });
  });
  afterAll(async () => {
    await server.close();
    consoleError.mockRestore();
  });

  const fetchFrom = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init);

  it('answers 401 and 403 with the same bodies and headers as in process', async () => {
    const missing = await fetchFrom('/changesets');
    expect([missing.status, missing.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    expect(await missing.json()).toEqual(UNAUTHORIZED_MISSING);

    const unknown = await fetchFrom('/changesets', { headers: bearer(`${READ}x`) });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual(UNAUTHORIZED_INVALID);

    const forbidden = await fetchFrom('/streams/acct-9', {
      method: 'POST',
      headers: bearer(READ),
      body: commitBody,
    });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual(FORBIDDEN);
    const notWritten = await fetchFrom('/streams/acct-9/changesets', { headers: bearer(READ) });
    expect(notWritten.status).toBe(404);
    await notWritten.body?.cancel();
  });

  it('commits with a write token and reads it back with a read token', async () => {
    const committed = await fetchFrom('/streams/acct-3', {
      method: 'POST',
      headers: bearer(WRITE),
      body: commitBody,
    });
    expect(committed.status).toBe(200);
    await committed.body?.cancel();
    const read = await fetchFrom('/streams/acct-3/changesets', { headers: bearer(READ) });
    expect(await read.json()).toEqual({
      stream_id: 'acct-3',
      changesets: [{ changeset_id: 1, events: [{ type: 'opened' }], metadata: {} }],
    });
  });

  it('keeps /version and the health endpoints open', async () => {
    for (const path of PUBLIC) {
      const response = await fetchFrom(path);
      expect([path, response.status]).toEqual([path, 200]);
      await response.body?.cancel();
    }
  });

  it('lets subscriptions in with a read token only', async () => {
    const refused = await fetchFrom('/changesets', { headers: SSE });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual(UNAUTHORIZED_MISSING);

    const subscribed = await fetchFrom('/changesets?checkpoint=0', {
      headers: { ...SSE, ...bearer(READ) },
    });
    expect(subscribed.status).toBe(200);
    expect(subscribed.headers.get('content-type')).toBe('text/event-stream');
    const frames = sseFrames(subscribed);
    try {
      expect((await frames.next()).comments).toEqual(['connected']);
    } finally {
      frames.cancel();
    }
  });

  it('never logs a token, whatever was refused', () => {
    const everything = [...logged, ...consoleError.mock.calls.flat().map(String)].join('\n');
    expect(everything).not.toContain(WRITE);
    expect(everything).not.toContain(READ);
    expect(logged).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';

const APP_ORIGIN = 'https://app.example.com';

const appWith = (origins: readonly string[], tokens = [{ token: 'w', scope: 'write' as const }]) =>
  createApp({
    store: createMemoryStore(),
    version: '1',
    auth: { tokens },
    cors: { origins },
    push: { heartbeatMs: 60_000 },
  });

/** What a browser sends before a cross-origin POST with a token and a JSON body. */
const preflight = (origin: string, path = '/streams/a') =>
  new Request(`http://ees.test${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('CORS', () => {
  it('answers a preflight from an allowed origin without asking for a token', async () => {
    const response = await appWith([APP_ORIGIN]).fetch(preflight(APP_ORIGIN));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,HEAD,POST,OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'Authorization,Content-Type,Accept,Last-Event-ID',
    );
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets an allowed page read answers, errors and the next-checkpoint header', async () => {
    const app = appWith([APP_ORIGIN, 'http://localhost:5173']);
    const headers = { origin: APP_ORIGIN, authorization: 'Bearer w' };
    const commit = await app.request('/streams/a', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ n: 1 }] }),
    });
    expect(commit.status).toBe(200);
    expect(commit.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(commit.headers.get('vary')).toBe('Origin');

    const page = await app.request('/changesets', { headers });
    expect(page.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(page.headers.get('access-control-expose-headers')).toBe(
      'EES-Next-Checkpoint,Retry-After',
    );
    expect(page.headers.get('ees-next-checkpoint')).toBe('1');

    // Errors too, or the page could not read why it failed.
    const conflict = await app.request('/streams/a', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ n: 2 }] }),
    });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    const unauthorised = await app.request('/changesets', { headers: { origin: APP_ORIGIN } });
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
  });

  it('sends the headers on a Server-Sent Events subscription', async () => {
    const response = await appWith([APP_ORIGIN]).request('/changesets', {
      headers: { origin: APP_ORIGIN, authorization: 'Bearer w', accept: 'text/event-stream' },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    await response.body?.cancel();
  });

  it('gives other origins no CORS headers, so browsers keep them out', async () => {
    const app = appWith([APP_ORIGIN]);
    const answer = await app.request('/version', { headers: { origin: 'https://evil.example' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const check = await app.fetch(preflight('https://evil.example'));
    expect(check.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows any origin with *', async () => {
    const app = appWith(['*']);
    const answer = await app.request('/version', { headers: { origin: 'https://any.example' } });
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    const check = await app.fetch(preflight('https://any.example', '/changesets'));
    expect([check.status, check.headers.get('access-control-allow-origin')]).toEqual([204, '*']);
  });

  it('is off by default: no CORS headers, and OPTIONS is no preflight', async () => {
    const app = appWith([]);
    const answer = await app.request('/version', { headers: { origin: APP_ORIGIN } });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const check = await app.fetch(preflight(APP_ORIGIN));
    expect(check.headers.get('access-control-allow-origin')).toBeNull();
    expect(check.status).not.toBe(204);
  });
});

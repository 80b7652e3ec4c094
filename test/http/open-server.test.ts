import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/core/index.js';
import { resolveConfig } from '../../src/runtime/config.js';
import type { RunningServer } from '../../src/runtime/server.js';
import { startServer } from '../../src/runtime/server.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';

/*
 * A server without API tokens, as `ees serve` starts by default: what a web page the operator
 * happens to open can do to it. Requests go through node:http, which sends the Host and Origin
 * headers a browser would (fetch cannot set Host).
 */

let server: RunningServer | undefined;
let store: EventStore;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(env: Record<string, string> = {}, args: string[] = []): Promise<string> {
  store = createMemoryStore();
  server = await startServer({
    config: resolveConfig(env, ['--port', '0', ...args]),
    store,
    version: '1',
    log: () => undefined,
  });
  return server.url;
}

/** A request with the headers given as they are, Host included; status and JSON body. */
function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: unknown }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, method, path, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const port = (url: string) => new URL(url).port;
const commitBody = JSON.stringify({ events: [{ type: 'forged' }] });

describe('a server without API tokens keeps web pages out', () => {
  it('answers only requests addressed to a loopback name (no DNS rebinding)', async () => {
    const url = await serve();
    for (const host of [
      'localhost',
      '127.0.0.1',
      '[::1]',
      'app.localhost',
      'LOCALHOST',
      '0.0.0.0',
      '[::]',
    ]) {
      const answer = await send(url, 'GET', '/changesets', { host: `${host}:${port(url)}` });
      expect([host, answer.status]).toEqual([host, 200]);
    }
    const host = `rebind.example:${port(url)}`;
    const message = `This server has no API tokens and answers only requests addressed to localhost or a loopback address, not to "${host}".`;
    expect(await send(url, 'GET', '/changesets', { host })).toEqual({
      status: 403,
      body: { error: 'HOST_NOT_ALLOWED', message },
    });
    const post = await send(url, 'POST', '/streams/s', { host }, commitBody);
    expect(post.status).toBe(403);
    expect(await store.readChangesets('s', {})).toBeUndefined();
  });

  it('takes no write from a web page of an origin it does not list, whatever the content type', async () => {
    const url = await serve();
    const host = `127.0.0.1:${port(url)}`;
    const origin = 'https://evil.example';
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      expect(
        await send(
          url,
          'POST',
          '/streams/s',
          { host, origin, 'content-type': contentType },
          commitBody,
        ),
      ).toEqual({
        status: 403,
        body: {
          error: 'ORIGIN_NOT_ALLOWED',
          message: `This server has no API tokens and takes no writes from web pages of origin "${origin}"; list the origin with --cors-origins, or use API tokens.`,
        },
      });
    }
    expect(await store.readChangesets('s', {})).toBeUndefined();
    // A read from such a page is answered (its page cannot read it: no CORS headers), and
    // clients that are not browsers send no Origin.
    expect((await send(url, 'GET', '/changesets', { host, origin })).status).toBe(200);
    expect((await send(url, 'POST', '/streams/s', { host }, commitBody)).status).toBe(200);
  });

  it('takes writes from the origins --cors-origins lists', async () => {
    const url = await serve({}, ['--cors-origins', 'https://app.example']);
    const host = `127.0.0.1:${port(url)}`;
    const headers = { host, origin: 'https://app.example', 'content-type': 'application/json' };
    expect((await send(url, 'POST', '/streams/s', headers, commitBody)).status).toBe(200);
    const other = { ...headers, origin: 'https://other.example' };
    expect((await send(url, 'POST', '/streams/t', other, commitBody)).status).toBe(403);
  });

  it('leaves a server with API tokens to them: no browser sends a token on its own', async () => {
    const url = await serve({ EES_API_TOKENS: 'w-secret-token-1:write' });
    const headers = {
      host: `rebind.example:${port(url)}`,
      origin: 'https://evil.example',
      authorization: 'Bearer w-secret-token-1',
    };
    expect((await send(url, 'POST', '/streams/s', headers, commitBody)).status).toBe(200);
  });
});

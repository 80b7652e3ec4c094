import { expect } from 'vitest';
import { POSTGRES_URL } from '../stores/postgres-database.js';
import type { EesProcess } from './cli-process.js';

/** How long starting the servers may take. */
export const BUILD_TIMEOUT_MS = 180_000;

/**
 * `POSTGRES_URL` in `schema`, optionally through another host and port (a proxy), with
 * `password` set to prove messages never show it.
 */
export function databaseUrl(
  schema: string,
  via: { host?: string; port?: number; password?: string } = {},
): string {
  const url = new URL(POSTGRES_URL);
  if (via.host !== undefined) url.hostname = via.host;
  if (via.port !== undefined) url.port = String(via.port);
  if (via.password !== undefined) url.password = via.password;
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** A response, its JSON body read. */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * `fetch` with a deadline, the body parsed as JSON. A request the server never answers fails
 * the test with a message saying so, instead of hanging it.
 */
export async function call(
  url: string,
  init: RequestInit & { deadlineMs?: number } = {},
): Promise<JsonResponse> {
  const deadlineMs = init.deadlineMs ?? 10_000;
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(deadlineMs) });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      throw new Error(`${init.method ?? 'GET'} ${url} got no answer within ${deadlineMs} ms`);
    }
    throw error;
  }
  return { status: response.status, body: await response.json() };
}

/** POSTs a changeset to a stream with an expectation given as a query string. */
export const commit = (
  server: string,
  streamId: string,
  expectation: string,
  changeset: { events: unknown[]; metadata?: unknown },
  deadlineMs?: number,
): Promise<JsonResponse> =>
  call(`${server}/streams/${encodeURIComponent(streamId)}?${expectation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(changeset),
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
  });

/** A changeset of the global enumeration as `GET /changesets` returns it. */
export interface WireIndexedChangeset {
  readonly stream_id: string;
  readonly changeset_id: number;
  readonly events: unknown[];
  readonly metadata: unknown;
  readonly checkpoint: number;
}

export interface WirePage {
  readonly changesets: WireIndexedChangeset[];
  readonly next_checkpoint: number;
}

/** One page of `GET /changesets`, which must answer 200. */
export async function readPage(
  server: string,
  checkpoint: number,
  limit: number,
): Promise<WirePage> {
  const { status, body } = await call(
    `${server}/changesets?checkpoint=${checkpoint}&limit=${limit}`,
  );
  expect(status).toBe(200);
  return body as WirePage;
}

/** The whole global enumeration, read in pages until one comes back empty. */
export async function readAll(server: string): Promise<WireIndexedChangeset[]> {
  const all: WireIndexedChangeset[] = [];
  for (let checkpoint = 0; ;) {
    const page = await readPage(server, checkpoint, 1000);
    if (page.changesets.length === 0) return all;
    all.push(...page.changesets);
    checkpoint = page.next_checkpoint;
  }
}

/** SIGTERMs `server` and resolves with how it exited; SIGKILLs it after `graceMs`. */
export async function stop(
  server: EesProcess,
  graceMs = 15_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return server.exited;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), graceMs);
  try {
    return await server.exited;
  } finally {
    clearTimeout(timer);
  }
}

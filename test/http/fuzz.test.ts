import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode, EventStore } from '../../src/core/index.js';
import {
  ErrorCodes,
  NEW_STREAM,
  STATISTICS_PROJECTION,
  commitChangeset,
} from '../../src/core/index.js';
import { statusOf } from '../../src/http/errors.js';
import type { ApiToken } from '../../src/http/index.js';
import { createApp } from '../../src/http/index.js';
import { catchUpStatistics } from '../../src/projections/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import type { EesProcess } from '../runtime/cli-process.js';
import { undocumented } from './documented.js';
import { listeningUrl, runEes } from '../runtime/cli-process.js';
import { FC_PATH, FC_SEED } from '../setup/fast-check.js';

/*
 * Property-based fuzzing of the HTTP API: random requests that mix valid and invalid methods,
 * paths, query strings, headers and bodies, first against the app in process (on SQLite, on
 * memory, and on memory behind API tokens), then as raw bytes against a real `ees serve`.
 *
 * In process: never a 5xx; every 4xx carries the contract's error body; a request that did not
 * commit wrote nothing, and a 2xx commit wrote exactly its one changeset; no error is reported
 * as unexpected; no subscription slot is kept. On the real server: never a 5xx, an answer to
 * every well-formed request, nothing in the error log, and still serving at the end.
 *
 * Deterministic: the seed is fixed. A longer run, and the replay of a reported failure (the
 * seed and path it printed):
 *   EES_FUZZ_RUNS=20000 npx vitest run test/http/fuzz.test.ts
 *   EES_FC_SEED=<seed> EES_FC_PATH=<path> npx vitest run test/http/fuzz.test.ts -t '<test name>'
 */

/** Runs per in-process target; the real server gets a quarter of them. */
const RUNS = Number(process.env.EES_FUZZ_RUNS ?? 300);
const SERVER_RUNS = Math.max(20, Math.ceil(RUNS / 4));

/**
 * Fixed seed and run count. `examples` run first whatever the seed: the counterexamples this
 * file once found, so that they never come back unnoticed (a reported path counts them too).
 */
const settings = <T>(numRuns: number, examples: T[] = []): fc.Parameters<T> => ({
  seed: FC_SEED,
  numRuns,
  examples,
  // A hung request fails its run (and is shrunk) instead of timing out the whole test.
  plugins: [fc.timeout(15_000)],
  ...(FC_PATH === undefined ? {} : { path: FC_PATH }),
});

/** Generous: the machine running the tests may be busy with other work. */
const testTimeout = (runs: number) => 60_000 + runs * 100;

const VERSION = '0.0.0-fuzz';
const READER = 'reader-token';
const WRITER = 'writer-token';
const TOKENS: readonly ApiToken[] = [
  { token: READER, scope: 'read' },
  { token: WRITER, scope: 'write' },
];

// ---------------------------------------------------------------------------------------------
// Requests

/** One request as the fuzzer builds it; printed as is in a counterexample. */
interface FuzzRequest {
  readonly method: string;
  /** Path and query string as sent (before the URL parser normalises it, in process). */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array | undefined;
}

/** Long strings are cut short in counterexamples; replay with EES_FC_PATH for the exact value. */
const abbreviate = (text: string): string =>
  text.length <= 240
    ? text
    : `${text.slice(0, 160)}…[${text.length} characters]…${text.slice(-40)}`;

/** Gives a value the short form fast-check prints in a counterexample. */
const printedAs = <T extends object>(value: T, printed: () => unknown): T =>
  Object.defineProperty(value, fc.toStringMethod, { value: () => fc.stringify(printed()) });

const MALFORMED_ESCAPES = [
  '%E0%A4%A',
  '%',
  '%%',
  '%zz',
  '%C3',
  '%C3%28',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%FF',
  '%00',
  '%2F',
  '%2e%2e',
  '%25',
  '%u0041',
] as const;

const streamIdArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'seeded',
      'other',
      'a b',
      'é€😀',
      '..',
      '.',
      '%',
      '%25',
      'a/b',
      '?x=1',
      '#frag',
      'nul\u0000id',
      ' ',
      '+',
      '\u202eevil',
      '\ufeff',
      'changesets',
    ),
  },
  { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }) },
  // Around the 1024-byte stream id limit, in one- and three-byte characters; 2000 euro signs
  // percent-encode to 18000 bytes, over the 8 KiB URL limit.
  { weight: 1, arbitrary: fc.constantFrom(1023, 1024, 1025, 3000).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom(341, 342, 2000).map((n) => '€'.repeat(n)) },
);

/** `encodeURIComponent`, or the text unchanged when it holds a lone surrogate. */
const encodeSafely = (text: string): string => {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
};

const segmentArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: streamIdArb.map(encodeSafely) },
  // Unencoded: the URL parser (in process) or the server's request-line parser gets it raw.
  { weight: 1, arbitrary: streamIdArb },
  { weight: 1, arbitrary: streamIdArb.map((id) => encodeSafely(encodeSafely(id))) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(streamIdArb.map(encodeSafely), fc.constantFrom(...MALFORMED_ESCAPES), fc.boolean())
      .map(([id, escape, before]) => (before ? escape + id : id + escape)),
  },
);

const pathArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '/version',
      '/streams',
      '/changesets',
      '/events',
      '/health/live',
      '/health/ready',
      '/openapi.json',
      '/',
      '',
      '/streams/',
      '/streams//changesets',
      '/streams//events',
      '/streams//',
      '/version/',
      '/VERSION',
      '//version',
      '/streams/../version',
      '/streams/x/../../changesets',
      '/./changesets',
      '/changesets/',
      '/health',
      '/%2e%2e/version',
      '/streams/%2F/events',
    ),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        segmentArb,
        fc.constantFrom(
          '',
          '',
          '/changesets',
          '/changesets',
          '/events',
          '/events',
          '/',
          '/changesets/',
          '/events/',
          '/other',
          '/changesets/1',
          '//changesets',
        ),
      )
      .map(([id, rest]) => `/streams/${id}${rest}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(segmentArb, { minLength: 1, maxLength: 4 })
      .map((segments) => `/${segments.join('/')}`),
  },
);

const PARAMS = [
  'expected_last_changeset',
  'expected_last_event',
  'from',
  'to',
  'checkpoint',
  'limit',
] as const;

const paramValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 5 }).map(String) },
  { weight: 2, arbitrary: fc.nat().map(String) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '',
      '0',
      '-1',
      '-0',
      '1.5',
      '1.0',
      '0x10',
      '0b1',
      '1e3',
      '+1',
      '%2B1',
      '%201',
      ' 1',
      '1%20',
      '01',
      '0010',
      '9007199254740991',
      '9007199254740992',
      '99999999999999999999',
      'NaN',
      'Infinity',
      'null',
      'true',
      '%',
      '%zz',
      '%E0%A4%A',
      '%31',
      '１',
      '٣',
      '[]',
      'a&b',
      '1#x',
    ),
  },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  // A long number, and (less often) one that takes the URL over its 8 KiB limit.
  { weight: 1, arbitrary: fc.constantFrom(400, 400, 400, 9000).map((n) => '9'.repeat(n)) },
);

const queryPairArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom(...PARAMS), paramValueArb)
      .map(([name, value]) => `${name}=${value}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ...PARAMS,
      '',
      '=',
      '=1',
      'limit[]=1',
      'LIMIT=1',
      'from%00=1',
      '%ZZ=1',
      'limit=1=2',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 6 }), paramValueArb)
      .map(([name, value]) => `${name}=${value}`),
  },
);

const queryArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 6,
    arbitrary: fc
      .array(queryPairArb, { minLength: 1, maxLength: 5 })
      .map((pairs) => `?${pairs.join('&')}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('?', '??', '?&&', '?#frag', '#frag') },
);

/** Mostly the parameters of the route at hand, sometimes any query at all. */
const queryFor = (...names: (typeof PARAMS)[number][]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant('') },
    {
      weight: 4,
      arbitrary: fc
        .array(
          fc
            .tuple(fc.constantFrom(...names), paramValueArb)
            .map(([name, value]) => `${name}=${value}`),
          { minLength: 1, maxLength: 3 },
        )
        .map((pairs) => `?${pairs.join('&')}`),
    },
    { weight: 2, arbitrary: queryArb },
  );

const headersArb: fc.Arbitrary<Partial<Record<string, string>>> = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/event-stream',
      '',
    ),
    'content-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x-unknown'),
    accept: fc.constantFrom(
      'text/event-stream',
      'text/event-stream',
      'TEXT/EVENT-STREAM',
      'application/json, text/event-stream;q=0.1',
      'application/json',
      '*/*',
      '',
    ),
    'last-event-id': fc.constantFrom(
      '0',
      '1',
      '2.0',
      '1.1',
      '9007199254740991',
      '9007199254740991.9007199254740991',
      '9007199254740992',
      '-1',
      '1.2.3',
      '.',
      ' 1 ',
      'x',
      '',
    ),
    authorization: fc.constantFrom(
      `Bearer ${READER}`,
      `Bearer ${WRITER}`,
      `Bearer ${WRITER}`,
      `bearer   ${WRITER} `,
      'Bearer wrong-token',
      `Bearer ${WRITER} extra`,
      'Bearer',
      `Basic ${Buffer.from(`x:${WRITER}`).toString('base64')}`,
      '',
    ),
    'x-forwarded-for': fc.constantFrom('127.0.0.1', 'not an address', ''),
  },
  { requiredKeys: [] },
);

const jsonObjectArb = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), {
  maxKeys: 4,
});

const commitBodyArb = fc.record(
  { events: fc.array(jsonObjectArb, { minLength: 1, maxLength: 4 }), metadata: jsonObjectArb },
  { requiredKeys: ['events'] },
);

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** `text` as UTF-8 with invalid byte sequences inserted at the given offsets. */
const withInvalidUtf8 = (
  text: string,
  insertions: readonly (readonly [number, readonly number[]])[],
): Uint8Array => {
  const bytes = [...Buffer.from(text, 'utf8')];
  for (const [at, invalid] of insertions) bytes.splice(at % (bytes.length + 1), 0, ...invalid);
  return Uint8Array.from(bytes);
};

const bodyArb: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  { weight: 8, arbitrary: commitBodyArb.map((body) => JSON.stringify(body)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' \n',
      'null',
      'true',
      '0',
      '"events"',
      '[]',
      '{}',
      '[{"events":[{}]}]',
      '{"events":null}',
      '{"events":[]}',
      '{"events":{}}',
      '{"events":[1]}',
      '{"events":[null]}',
      '{"events":[[]]}',
      '{"events":"[{}]"}',
      '{"events":[{}],"metadata":[]}',
      '{"events":[{}],"metadata":null}',
      '{"events":[{}],"metadata":"x"}',
      '{"events":[{}],"extra":1}',
      '{"events":[{}]',
      '{"events":[{}]}}',
      "{'events':[{}]}",
      '{"events":[{},]}',
      '\ufeff{"events":[{}]}',
      '{"__proto__":{"events":[{}]}}',
      '{"events":[{"__proto__":{"x":1}}],"metadata":{"constructor":{}}}',
      '{"events":[{}],"events":[]}',
      '{"events":[{"a":1e999}]}',
      '{"events":[{"a":"\\ud800"}]}',
      '{"events":[{"a":"\\u0000"}]}',
      '{"events":[{"a":"\u2028"}]}',
    ),
  },
  { weight: 2, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  {
    weight: 2,
    arbitrary: fc
      .record({ events: fc.jsonValue(), metadata: fc.jsonValue() }, { requiredKeys: [] })
      .map((value) => JSON.stringify(value)),
  },
  { weight: 1, arbitrary: fc.string() },
  {
    weight: 1,
    arbitrary: commitBodyArb.chain((body) => {
      const text = JSON.stringify(body);
      return fc.nat({ max: text.length - 1 }).map((end) => text.slice(0, end));
    }),
  },
  // Event counts around the 1000-per-changeset limit, and far over it.
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(999, 1000, 1001, 20_000)
      .map((count) => JSON.stringify({ events: Array.from({ length: count }, () => ({})) })),
  },
  // Deep nesting: at the limit of 1000 levels (the body and the events array count), over it,
  // and far over it, up to what fits under the raw body limit (4 × 400 KiB).
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(10, 997, 998, 10_000, 100_000, 700_000)
      .map((depth) => `{"events":[{"deep":${nested(depth)}}],"metadata":{}}`),
  },
  // Exactly the 400 KiB changeset limit (the pad plus 14 bytes of JSON: `[{"pad":"…"}]` and
  // `{}`), one byte over, and over the raw body limit.
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(409_586, 409_587, 500_000, 2_000_000)
      .map((size) => JSON.stringify({ events: [{ pad: 'x'.repeat(size) }] })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        commitBodyArb.map((body) => JSON.stringify(body)),
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe0, 0xa4], [0xc0, 0x80], [0]),
          ),
          { minLength: 1, maxLength: 3 },
        ),
      )
      .map(([text, insertions]) => withInvalidUtf8(text, insertions)),
  },
);

const methodArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('GET', 'POST') },
  { weight: 2, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') },
  // Fetch upper-cases `post`; a method it does not know stays as it is.
  { weight: 1, arbitrary: fc.constantFrom('post', 'PROPFIND') },
);

const hasNoBody = (method: string) => ['GET', 'HEAD'].includes(method.toUpperCase());

const printableBody = (body: FuzzRequest['body']): unknown => {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return abbreviate(body);
  if (body.length <= 240) return body;
  return `${body.length} bytes: ${abbreviate(Buffer.from(body).toString('latin1'))}`;
};

const requestOf = (parts: {
  method: string;
  path: string;
  query: string;
  headers: Partial<Record<string, string>>;
  body: FuzzRequest['body'];
}): FuzzRequest => {
  const request: FuzzRequest = {
    method: parts.method,
    target: parts.path + parts.query,
    headers: Object.fromEntries(
      Object.entries(parts.headers).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    ),
    body: hasNoBody(parts.method) ? undefined : parts.body,
  };
  return printedAs(request, () => ({
    ...request,
    target: abbreviate(request.target),
    body: printableBody(request.body),
  }));
};

/** Commits: a stream's path, mostly well-formed, with fuzzed expectations and bodies. */
const commitArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('POST', 'POST', 'POST', 'post', 'PUT'),
    path: fc.oneof(
      { weight: 9, arbitrary: segmentArb.map((id) => `/streams/${id}`) },
      { weight: 1, arbitrary: fc.constantFrom('/streams/', '/streams//', '/streams') },
    ),
    query: queryFor('expected_last_changeset', 'expected_last_event'),
    headers: headersArb,
    body: bodyArb,
  })
  .map(requestOf);

/** A read route with the query it reads: ranges, pages and checkpoints. */
const readTargetArb: fc.Arbitrary<{ path: string; query: string }> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      path: fc
        .tuple(segmentArb, fc.constantFrom('/changesets', '/events'))
        .map(([id, resource]) => `/streams/${id}${resource}`),
      query: queryFor('from', 'to'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      path: fc.constant('/changesets'),
      query: queryFor('checkpoint', 'limit'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ path: fc.constant('/events'), query: queryFor('checkpoint') }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      path: fc.constantFrom('/streams', '/version', '/health/live', '/health/ready'),
      query: queryArb,
    }),
  },
);

/** Reads and subscriptions: the read routes with fuzzed ranges, pages and headers. */
const readArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD'),
    target: readTargetArb,
    headers: headersArb,
  })
  .map(({ method, target, headers }) => requestOf({ method, ...target, headers, body: undefined }));

/** Anything: any method on any path, with any parts. */
const anyArb: fc.Arbitrary<FuzzRequest> = fc
  .record({ method: methodArb, path: pathArb, query: queryArb, headers: headersArb, body: bodyArb })
  .map(requestOf);

const requestArb: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 4, arbitrary: commitArb },
  { weight: 3, arbitrary: readArb },
  { weight: 3, arbitrary: anyArb },
);

// ---------------------------------------------------------------------------------------------
// What every answer must look like

const isEventStream = (contentType: string | null) =>
  (contentType ?? '').toLowerCase().startsWith('text/event-stream');

const isJson = (contentType: string | null) =>
  (contentType ?? '').toLowerCase().startsWith('application/json');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** The two bodies the contract keeps from before the `{error, message}` shape. */
const LEGACY_404_BODIES = [
  JSON.stringify({ message: 'Invalid endpoint' }),
  JSON.stringify({ error: 'Statistics are not yet generated' }),
];

const ERROR_BODY_FIELDS = new Set(['error', 'message', 'stream_id', 'forthcoming_changesets']);

/**
 * A 4xx body as the contract spells it: `{"error": "<CODE>", "message": "..."}` with an optional
 * `stream_id` (and `forthcoming_changesets` on a conflict), the status the code maps to; or one
 * of the two legacy 404 bodies.
 */
function expectContractError(status: number, text: string): void {
  const body = parseJson(text);
  if (status === 404 && LEGACY_404_BODIES.includes(JSON.stringify(body))) return;
  expect(isRecord(body), `a 4xx body is a JSON object: ${text.slice(0, 500)}`).toBe(true);
  if (!isRecord(body)) return;
  const extra = Object.keys(body).filter((key) => !ERROR_BODY_FIELDS.has(key));
  expect(extra, `fields of the error body ${text.slice(0, 500)}`).toEqual([]);
  expect(ErrorCodes, `error code of ${text.slice(0, 500)}`).toContain(body.error);
  expect(typeof body.message === 'string' && body.message !== '', `message of ${text}`).toBe(true);
  expect(statusOf(body.error as ErrorCode), `status of ${String(body.error)}`).toBe(status);
  if (body.stream_id !== undefined) expect(typeof body.stream_id).toBe('string');
  expect(
    Array.isArray(body.forthcoming_changesets),
    `forthcoming_changesets exactly on a conflict: ${text.slice(0, 500)}`,
  ).toBe(body.error === 'OPTIMISTIC_CONCURRENCY_EXCEPTION');
}

/** Everything a request could have changed, as text: the global enumeration and statistics. */
async function snapshot(store: EventStore) {
  const changesets = await store.readGlobal(0, 1_000_000);
  const statistics = await store.readProjection(STATISTICS_PROJECTION);
  return {
    count: changesets.length,
    changesets: JSON.stringify(changesets),
    statistics: JSON.stringify(statistics),
  };
}

/** The body's bytes as sent (a string as UTF-8). */
const bodyBytes = (body: FuzzRequest['body']): Buffer =>
  body === undefined
    ? Buffer.alloc(0)
    : typeof body === 'string'
      ? Buffer.from(body, 'utf8')
      : Buffer.from(body);

/** The body as the server reads it: UTF-8, a leading BOM dropped, bad sequences replaced. */
const bodyText = (body: FuzzRequest['body']): string => new TextDecoder().decode(bodyBytes(body));

// ---------------------------------------------------------------------------------------------
// In process

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  /** The JSON body's text; for an event stream, its first chunk. */
  readonly text: string;
}

/** Sends the request; an event stream is read up to its first chunk and then cancelled. */
async function exchange(
  send: (request: Request) => Response | Promise<Response>,
  request: FuzzRequest,
): Promise<Answer> {
  const response = await send(
    new Request(`http://localhost${request.target}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    }),
  );
  const contentType = response.headers.get('content-type');
  if (isEventStream(contentType) && response.body !== null) {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    await reader.cancel();
    return { status: response.status, contentType, text: new TextDecoder().decode(first.value) };
  }
  return { status: response.status, contentType, text: await response.text() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface InProcessTarget {
  /** The store a run works on: one shared by every run, or a fresh one each time. */
  readonly storeForRun: () => Promise<EventStore>;
  readonly auth: boolean;
}

async function seed(store: EventStore): Promise<void> {
  for (const [streamId, events] of [
    ['seeded', [{ type: 'opened' }]],
    ['seeded', [{ type: 'renamed' }, { type: 'closed' }]],
    ['other', [{ n: 1 }]],
  ] as const) {
    const head = (await store.readChangesets(streamId, {}))?.length ?? 0;
    await commitChangeset(store, {
      streamId,
      expectation: head === 0 ? NEW_STREAM : { kind: 'changeset', lastChangesetId: head },
      events,
      metadata: {},
    });
  }
}

/** What this file found, each once a bug; they run first on every run (see `settings`). */
const FOUND_IN_PROCESS: FuzzRequest[] = [
  // A HEAD "subscription" started a stream that nothing read nor cancelled: it kept its
  // subscription slot for good (and polled the store), so HEAD requests could use up every slot.
  requestOf({
    method: 'HEAD',
    path: '/streams/ /events',
    query: '',
    headers: { accept: 'text/event-stream', authorization: `Bearer ${WRITER}` },
    body: undefined,
  }),
  // JSON.stringify, which sizes the changeset, ran out of stack: 500 INTERNAL_ERROR.
  requestOf({
    method: 'POST',
    path: '/streams/%20',
    query: '?expected_last_changeset=0',
    headers: { authorization: `Bearer ${WRITER}` },
    body: `{"events":[{"deep":${nested(10_000)}}],"metadata":{}}`,
  }),
  // Committed with 200, but the schema's copy of the body had dropped the "__proto__" key.
  requestOf({
    method: 'POST',
    path: '/streams/%20',
    query: '',
    headers: { authorization: `Bearer ${WRITER}` },
    body: '{"events":[{"__proto__":{"x":1}}],"metadata":{"constructor":{}}}',
  }),
];

/**
 * The property for one target: each run gets a fresh app (one subscription slot, so a request
 * that keeps its slot shows up right away) over the store `storeForRun` gives it.
 */
async function fuzzInProcess({ storeForRun, auth }: InProcessTarget): Promise<void> {
  const readToken = { authorization: `Bearer ${READER}` };
  await fc.assert(
    fc.asyncProperty(requestArb, async (request) => {
      const store = await storeForRun();
      const unexpected: unknown[] = [];
      const shutdown = new AbortController();
      const app = createApp({
        store,
        version: VERSION,
        limits: { maxSubscribers: 1 },
        push: { heartbeatMs: 60_000, pollIntervalMs: 60_000 },
        shutdown: shutdown.signal,
        ...(auth ? { auth: { tokens: TOKENS } } : {}),
        onUnexpectedError: (error) => unexpected.push(error),
      });
      try {
        const before = await snapshot(store);
        const answer = await exchange(app.fetch, request);
        const after = await snapshot(store);
        const summary = `${answer.status} ${answer.contentType ?? ''} ${answer.text.slice(0, 300)}`;

        expect(answer.status, summary).toBeLessThan(500);
        expect(answer.status, summary).toBeGreaterThanOrEqual(200);
        expect(unexpected, 'errors reported as unexpected').toEqual([]);
        const head = request.method.toUpperCase() === 'HEAD';

        if (answer.status >= 400) {
          expect(isJson(answer.contentType), summary).toBe(true);
          if (!head) expectContractError(answer.status, answer.text);
        } else if (isEventStream(answer.contentType)) {
          expect(answer.status, summary).toBe(200);
          if (!head) expect(answer.text, summary).toMatch(/^retry: \d+\n/);
        } else {
          expect(isJson(answer.contentType), summary).toBe(true);
          if (!head) expect(parseJson(answer.text), summary).toBeDefined();
        }
        if (!head && isJson(answer.contentType)) {
          // The answer is one GET /openapi.json describes for the request the app saw.
          const { pathname, search } = new URL(request.target, 'http://localhost');
          const documented = { ...answer, body: parseJson(answer.text) };
          const method = request.method.toUpperCase();
          expect(undocumented(method, `${pathname}${search}`, documented)).toBeUndefined();
        }

        const committed = answer.status < 300 && request.method.toUpperCase() === 'POST';
        if (!committed) {
          expect(after.changesets, `${summary}: nothing written`).toBe(before.changesets);
          expect(after.statistics, `${summary}: statistics untouched`).toBe(before.statistics);
        } else {
          // Exactly one changeset, appended after everything that was there, holding the body.
          expect(after.count, summary).toBe(before.count + 1);
          const all = JSON.parse(after.changesets) as Record<string, unknown>[];
          expect(JSON.stringify(all.slice(0, before.count))).toBe(before.changesets);
          const added = all.at(-1);
          const response = JSON.parse(answer.text) as Record<string, unknown>;
          const sent = JSON.parse(bodyText(request.body)) as Record<string, unknown>;
          expect(added?.streamId).toBe(response.stream_id);
          expect(added?.changesetId).toBe(response.changeset_id);
          expect(JSON.stringify(added?.events)).toBe(JSON.stringify(sent.events));
          expect(JSON.stringify(added?.metadata)).toBe(JSON.stringify(sent.metadata ?? {}));
          expect(after.statistics).toBe(before.statistics);
        }

        // A request that asked for an event stream gave its subscription slot back (soon: a
        // cancelled stream lets go of it asynchronously). Only those ever take one.
        if (/text\/event-stream/i.test(request.headers.accept ?? '')) {
          let probe = 0;
          for (let attempt = 0; attempt < 100 && probe !== 200; attempt++) {
            if (attempt > 0) await (attempt < 50 ? new Promise(setImmediate) : sleep(10));
            const subscription = await app.fetch(
              new Request('http://localhost/changesets?checkpoint=9007199254740991', {
                headers: { accept: 'text/event-stream', ...readToken },
              }),
            );
            await subscription.body?.cancel();
            probe = subscription.status;
          }
          expect(probe, 'a subscription slot was never given back').toBe(200);
        }
      } finally {
        shutdown.abort();
      }
    }),
    settings(
      RUNS,
      FOUND_IN_PROCESS.map((request): [FuzzRequest] => [request]),
    ),
  );
}

/** How many runs share one SQLite store before the next gets a new one. */
const SQLITE_RUNS_PER_STORE = 250;

describe('HTTP fuzzing in process', () => {
  const directory = mkdtempSync(join(tmpdir(), 'ees-fuzz-'));
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it(
    'SQLite, one store for many runs: no 5xx, contract 4xx bodies, writes only on a 2xx commit',
    async () => {
      // Runs share a store, so that they read and conflict with what earlier runs committed; a
      // new one every so often keeps the before/after comparison of every changeset cheap.
      let store: EventStore | undefined;
      let runs = 0;
      const storeForRun = async (): Promise<EventStore> => {
        const renew = runs % SQLITE_RUNS_PER_STORE === 0;
        runs++;
        if (store !== undefined && !renew) return store;
        await store?.close();
        // Durability is not under test: commits skip the fsync.
        store = openSqliteStore({
          filename: join(directory, `in-process-${runs}.db`),
          synchronous: 'NORMAL',
        });
        await seed(store);
        await catchUpStatistics(store); // so that GET /streams answers 200 here
        return store;
      };
      try {
        await fuzzInProcess({ storeForRun, auth: false });
      } finally {
        await store?.close();
      }
    },
    testTimeout(RUNS),
  );

  /** A seeded memory store of its own for each run: a failure shrinks to what fails alone. */
  const freshMemoryStore = async (): Promise<EventStore> => {
    const store = createMemoryStore();
    await seed(store);
    return store;
  };

  it(
    'memory, a fresh store each run: the same properties',
    async () => {
      await fuzzInProcess({ storeForRun: freshMemoryStore, auth: false });
    },
    testTimeout(RUNS),
  );

  it(
    'memory behind API tokens: the same properties',
    async () => {
      await fuzzInProcess({ storeForRun: freshMemoryStore, auth: true });
    },
    testTimeout(RUNS),
  );
});

// ---------------------------------------------------------------------------------------------
// A real server, over raw sockets

/** Node's limit on the request line and headers together (`--max-header-bytes`, default). */
const MAX_HEADER_BYTES = 16_384;

/**
 * A request the server refuses before reading its body (Node: a head it cannot parse or over
 * `MAX_HEADER_BYTES`, 400 or 431; the app: a body over the raw limit, 413) gets its answer and
 * a close, with the rest of the body unread: the kernel then resets the connection, which can
 * destroy the answer before the client reads it. Such a request may end in a reset and no
 * answer when its head is over the limit or its body is this large.
 */
const UPLOAD_MAY_BE_RESET_BYTES = 64 * 1024;

/** Whether a request's exchange may end in a reset without an answer (see above). */
const mayBeReset = (request: FuzzRequest, bytes: Buffer): boolean => {
  const body = bodyBytes(request.body).length;
  return body > 0 && (bytes.length - body > MAX_HEADER_BYTES || body >= UPLOAD_MAY_BE_RESET_BYTES);
};

/** What came back on a connection: the bytes, and how the exchange ended. */
interface RawOutcome {
  readonly received: Buffer;
  /** `answered`: a whole response came in; `event-stream`: the head of one. */
  readonly ending: 'answered' | 'event-stream' | 'closed' | 'timeout' | 'error';
}

/** The head of the final (not 1xx) response and where its body starts, once it came in. */
function finalHead(text: string): { head: string; bodyStart: number; status: number } | undefined {
  let offset = 0;
  for (;;) {
    const headEnd = text.indexOf('\r\n\r\n', offset);
    if (headEnd < 0) return undefined;
    const head = text.slice(offset, headEnd);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? Number.NaN);
    if (!(status >= 100 && status < 200)) return { head, bodyStart: headEnd + 4, status };
    offset = headEnd + 4;
  }
}

/**
 * Whether the response has come in whole (by its Content-Length or chunked framing, or as a
 * response without a body), or is an event stream; `undefined` while it may still be coming.
 */
function responseEnding(text: string, toHead: boolean): RawOutcome['ending'] | undefined {
  const final = finalHead(text);
  if (final === undefined) return undefined;
  const { head, bodyStart, status } = final;
  if (/\r\ncontent-type: *text\/event-stream/i.test(head)) return 'event-stream';
  if (toHead || status === 204 || status === 304) return 'answered';
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
  if (length !== undefined)
    return text.length - bodyStart >= Number(length) ? 'answered' : undefined;
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    const body = text.slice(bodyStart);
    return body === '0\r\n\r\n' || body.endsWith('\r\n0\r\n\r\n') ? 'answered' : undefined;
  }
  return undefined; // the end of the body is the end of the connection
}

const WRITE_CHUNK_BYTES = 64 * 1024;

/**
 * Writes the bytes on a fresh connection and collects the response: until it has come in whole,
 * the server closes the connection, or (for an event stream, which stays open) its head came.
 * Like an HTTP client, it stops uploading once an answer comes in.
 */
function sendRaw(
  port: number,
  bytes: Buffer,
  options: { readonly toHead: boolean; readonly timeoutMs: number },
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    let done = false;
    const finish = (ending: RawOutcome['ending']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(chunks), ending });
    };
    const timer = setTimeout(() => {
      finish('timeout');
    }, options.timeoutMs);
    let written = 0;
    const writeMore = () => {
      while (written < bytes.length && chunks.length === 0 && !done) {
        const chunk = bytes.subarray(written, written + WRITE_CHUNK_BYTES);
        written += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', writeMore);
          return;
        }
      }
    };
    socket.on('connect', writeMore);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const ending = responseEnding(Buffer.concat(chunks).toString('latin1'), options.toHead);
      if (ending !== undefined) finish(ending);
    });
    socket.on('close', () => {
      finish('closed');
    });
    // The server may close while a large body is still being written: keep what came back.
    socket.on('error', () => {
      finish('error');
    });
  });
}

/** The status of each response on the connection, interim (1xx) ones included. */
function statusesOf(received: Buffer): number[] {
  const text = received.toString('latin1');
  const statuses: number[] = [];
  let offset = 0;
  for (;;) {
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(text.slice(offset));
    if (match?.[1] === undefined) return statuses;
    const status = Number(match[1]);
    statuses.push(status);
    const headEnd = text.indexOf('\r\n\r\n', offset);
    if (status >= 200 || headEnd < 0) return statuses;
    offset = headEnd + 4;
  }
}

/** A fuzzed request as HTTP/1.1 bytes, with a correct Content-Length. */
function toRawRequest(request: FuzzRequest, host: string): Buffer {
  const body = bodyBytes(request.body);
  const head = [
    `Host: ${host}`,
    ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`),
    ...(request.body === undefined ? [] : [`Content-Length: ${body.length}`]),
  ];
  return Buffer.concat([
    // The target goes out as UTF-8, unencoded characters included: the server's parser sees them.
    Buffer.from(`${request.method} ${request.target === '' ? '/' : request.target} HTTP/1.1\r\n`),
    Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'),
    body,
  ]);
}

const CRLF = '\r\n';
const chunkedCommit = ['14', '{"events":[{"a":1}]}', '0', '', ''].join(CRLF);

/** A commit whose client hangs up halfway through the body (here: when the wait runs out). */
const CUT_UPLOAD = `POST /streams/cut HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: 100${CRLF}${CRLF}{"ev`;

/** Requests that are not well-formed HTTP, or push the parser's limits; Node answers most. */
const MALFORMED: readonly string[] = [
  `GET /version HTTP/1.1${CRLF}Host: x${CRLF}X-Big: ${'a'.repeat(20_000)}${CRLF}${CRLF}`,
  `GET /${'a'.repeat(17_000)} HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`,
  `GET /changesets?pad=${'p'.repeat(9_000)} HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
  `GET /version HTTP/1.1${CRLF}Host: x${CRLF}${'X-Many: 1\r\n'.repeat(3_000)}${CRLF}`,
  `GARBAGE${CRLF}${CRLF}`,
  `${CRLF}${CRLF}`,
  `GET / HTTP/9.9${CRLF}Host: x${CRLF}${CRLF}`,
  `GET /version HTTP/1.0${CRLF}${CRLF}`,
  `GET /version${CRLF}${CRLF}`,
  `get /version HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`,
  `FOO /version HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`,
  `GET /version HTTP/1.1${CRLF}${CRLF}`,
  `GET /version HTTP/1.1${CRLF}Host: x${CRLF}Bad Header: y${CRLF}${CRLF}`,
  `GET /version HTTP/1.1${CRLF}Host: x${CRLF}X-A: \u0001${CRLF}${CRLF}`,
  `GET /version HTTP/1.1${CRLF}Host: exa mple${CRLF}Connection: close${CRLF}${CRLF}`,
  `GET /version HTTP/1.1${CRLF}Host: [::1${CRLF}Connection: close${CRLF}${CRLF}`,
  `GET /version HTTP/1.1${CRLF}Host: a${CRLF}Host: b${CRLF}Connection: close${CRLF}${CRLF}`,
  `GET /version HTTP/1.1${CRLF}Host: user@evil:1${CRLF}Connection: close${CRLF}${CRLF}`,
  `GET http://other.example/version HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
  `GET http://[bad/version HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
  `GET /streams/a\\b/changesets HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
  `GET /streams/a%5Cb/changesets HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
  `GET /streams/\u00e9/changesets HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
  `OPTIONS * HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
  `CONNECT 127.0.0.1:1 HTTP/1.1${CRLF}Host: 127.0.0.1:1${CRLF}${CRLF}`,
  `GET /version HTTP/1.1${CRLF}Host: x${CRLF}Upgrade: h2c${CRLF}Connection: Upgrade, close${CRLF}${CRLF}`,
  `GET /version HTTP/1.1${CRLF}Host: x${CRLF}Upgrade: websocket${CRLF}Connection: Upgrade${CRLF}Sec-WebSocket-Key: x${CRLF}${CRLF}`,
  `PRI * HTTP/2.0${CRLF}${CRLF}SM${CRLF}${CRLF}`,
  `POST /streams/te-cl HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: 5${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}0${CRLF}${CRLF}`,
  `POST /streams/bad-chunk HTTP/1.1${CRLF}Host: x${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}zz${CRLF}{}${CRLF}0${CRLF}${CRLF}`,
  `POST /streams/chunked HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}${chunkedCommit}`,
  `POST /streams/te-gzip HTTP/1.1${CRLF}Host: x${CRLF}Transfer-Encoding: gzip${CRLF}${CRLF}`,
  `POST /streams/cl-neg HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: -1${CRLF}${CRLF}`,
  `POST /streams/cl-twice HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: 1${CRLF}Content-Length: 2${CRLF}${CRLF}ab`,
  `POST /streams/cl-huge HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}Content-Length: 99999999999${CRLF}${CRLF}{`,
  CUT_UPLOAD,
  `POST /streams/expect HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}Expect: 100-continue${CRLF}Content-Length: 20${CRLF}${CRLF}{"events":[{"a":1}]}`,
  `POST /streams/expect-bad HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}Expect: teapot${CRLF}Content-Length: 2${CRLF}${CRLF}{}`,
  `GET /version HTTP/1.1\nHost: x\nConnection: close\n\n`,
  `GET /version HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}GET /version HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
  `HEAD /changesets HTTP/1.1${CRLF}Host: x${CRLF}Accept: text/event-stream${CRLF}Connection: close${CRLF}${CRLF}`,
];

const malformedArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...MALFORMED).map((text) => Buffer.from(text, 'utf8')) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 64 })
      .map((bytes) => Buffer.concat([Buffer.from(bytes), Buffer.from(CRLF + CRLF)])),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('GET', 'POST', 'HEAD'), fc.string({ maxLength: 20 }))
      .map(([method, junk]) => Buffer.from(`${method} ${junk} HTTP/1.1${CRLF}${CRLF}`)),
  },
);

/** A well-formed request must be answered; one Node cannot parse may also just be dropped. */
type ServerInput =
  | { readonly kind: 'request'; readonly request: FuzzRequest }
  | { readonly kind: 'malformed'; readonly bytes: Buffer };

const wellFormed = (request: FuzzRequest): ServerInput => ({ kind: 'request', request });

const malformed = (bytes: Buffer): ServerInput =>
  printedAs({ kind: 'malformed', bytes }, () => ({
    kind: 'malformed',
    bytes: abbreviate(bytes.toString('latin1')),
  }));

const serverInputArb: fc.Arbitrary<ServerInput> = fc.oneof(
  { weight: 4, arbitrary: requestArb.map(wellFormed) },
  { weight: 1, arbitrary: malformedArb.map(malformed) },
);

/** What this file found on the real server, each once a bug; they run first. */
const FOUND_ON_SERVER: ServerInput[] = [
  // Logged as "unexpected error: Error: aborted" with a stack trace (and answered 500).
  malformed(Buffer.from(CUT_UPLOAD)),
  ...FOUND_IN_PROCESS.map(wellFormed),
  // Over the wire, the target above holds a raw space, which Node refuses before the app sees it.
  wellFormed(
    requestOf({
      method: 'HEAD',
      path: '/changesets',
      query: '',
      headers: { accept: 'text/event-stream' },
      body: undefined,
    }),
  ),
];

/** Subscriptions the server may serve at once: the end of the run checks that all are free. */
const SERVER_SUBSCRIBERS = 4;

/** Opens `count` subscriptions at once and closes them again; their statuses. */
async function subscribeAll(url: string, count: number): Promise<number[]> {
  const subscriptions = new AbortController();
  try {
    return await Promise.all(
      Array.from({ length: count }, async () => {
        const response = await fetch(`${url}/changesets`, {
          headers: { accept: 'text/event-stream' },
          signal: subscriptions.signal,
        });
        return response.status;
      }),
    );
  } finally {
    subscriptions.abort();
  }
}

describe('HTTP fuzzing of a real server', () => {
  let directory: string;
  let server: EesProcess | undefined;
  let url: string;
  const running = (): EesProcess => {
    if (server === undefined) throw new Error('the server did not start');
    return server;
  };

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'ees-fuzz-server-'));
    server = runEes([
      'serve',
      '--port',
      '0',
      '--database-url',
      `sqlite:${join(directory, 'ees.db')}`,
      '--stats-interval',
      '0.2',
      '--max-subscribers',
      String(SERVER_SUBSCRIBERS),
    ]);
    url = await listeningUrl(server, 30_000);
  });

  afterAll(async () => {
    if (server?.child.exitCode === null) {
      server.child.kill('SIGTERM');
      const stopped = await Promise.race([server.exited.then(() => true), sleep(10_000)]);
      if (stopped !== true) server.child.kill('SIGKILL');
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it(
    'never answers 5xx, keeps running, and logs no unexpected error',
    async () => {
      const { host, port } = new URL(url);
      await fc.assert(
        fc.asyncProperty(serverInputArb, async (input) => {
          const parsable = input.kind === 'request';
          const bytes = parsable ? toRawRequest(input.request, host) : input.bytes;
          const logged = running().stderr().length;
          const outcome = await sendRaw(Number(port), bytes, {
            toHead: parsable && input.request.method.toUpperCase() === 'HEAD',
            timeoutMs: parsable ? 10_000 : 500,
          });
          // Cut short by this side mid-request: let the server see it before looking at its log.
          if (outcome.ending === 'timeout' || outcome.ending === 'error') await sleep(100);
          const statuses = statusesOf(outcome.received);
          const summary = `${outcome.ending}: ${outcome.received.toString('latin1').slice(0, 400)}`;
          for (const status of statuses) expect(status, summary).toBeLessThan(500);
          const resetUnanswered =
            parsable &&
            outcome.ending === 'error' &&
            statuses.length === 0 &&
            mayBeReset(input.request, bytes);
          if (parsable && !resetUnanswered) {
            expect(outcome.ending, summary).not.toBe('timeout');
            expect(statuses.length, `an answer to a well-formed request: ${summary}`).toBe(1);
          }
          expect(running().child.exitCode, `the server exited: ${running().stderr()}`).toBe(null);
          expect(running().stderr().slice(logged), 'what the server logged').toBe('');
        }),
        settings(
          SERVER_RUNS,
          FOUND_ON_SERVER.map((input): [ServerInput] => [input]),
        ),
      );

      // Still serving, every subscription slot free again, and nothing in the error log.
      const version = await fetch(`${url}/version`);
      expect(version.status).toBe(200);
      expect(await version.json()).toEqual({ version: expect.any(String) as unknown });
      // Slots of streams cut just now may take a moment to come back: retry for a while.
      const allFree = Array.from({ length: SERVER_SUBSCRIBERS }, () => 200);
      let statuses: number[] = [];
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
        statuses = await subscribeAll(url, SERVER_SUBSCRIBERS);
        if (statuses.every((status) => status === 200)) break;
      }
      expect(statuses, 'every subscription slot is free: did a request keep one?').toEqual(allFree);
      expect(running().stderr(), 'what the server logged').toBe('');
    },
    testTimeout(SERVER_RUNS * 4),
  );
});

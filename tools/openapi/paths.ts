import { createRoute, z } from '@hono/zod-openapi';
import { NEXT_CHECKPOINT_HEADER } from '../../src/core/index.js';
import {
  ChangesetBody,
  ChangesetsResponse,
  CommitQuery,
  CommitResponse,
  ConflictResponse,
  EndpointNotFound,
  ErrorResponse,
  EventsResponse,
  GlobalPageResponse,
  HealthResponse,
  PageQuery,
  RangeQuery,
  StatisticsResponse,
  StreamIdParam,
  VersionResponse,
} from './schemas.js';

const json = <S>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A Server-Sent Events answer: what the resource sends to `Accept: text/event-stream`. */
const eventStream = (description: string) => ({
  'text/event-stream': {
    schema: z.string().openapi({
      description: `${description} Each message has an \`id\` to resume after (\`Last-Event-ID\`); comment lines are heartbeats.`,
    }),
  },
});

/** The request headers of a subscription. */
const SubscriptionHeaders = z.object({
  accept: z.string().optional().openapi({
    description: '`text/event-stream` subscribes: what is stored, then each new one, live.',
    example: 'text/event-stream',
  }),
  'last-event-id': z.string().optional().openapi({
    description:
      'Resumes right after the message with this id, whatever the query parameters say (what a reconnecting EventSource sends).',
  }),
});

/** How any request can fail before it reaches a route, or inside one. */
const BAD_REQUEST =
  '`BAD_REQUEST`: the Node server could not parse the request (the connection is closed).';
const ANY_REQUEST_RESPONSES = {
  400: json(ErrorResponse, BAD_REQUEST),
  408: json(
    ErrorResponse,
    '`REQUEST_TIMEOUT`: the request line, headers or body came too slowly (the Node server; the connection is closed).',
  ),
  414: json(ErrorResponse, '`URI_TOO_LONG`: the URL is longer than the server takes.'),
  431: json(
    ErrorResponse,
    '`HEADERS_TOO_LARGE`: the request line and headers are longer than the server takes (the Node server; the connection is closed).',
  ),
  500: json(ErrorResponse, '`INTERNAL_ERROR`: a fault of the server, logged by it.'),
};

/** A route's own 400s, beside `BAD_REQUEST`. */
const badRequest = (description: string) => json(ErrorResponse, `${description} Or ${BAD_REQUEST}`);

/** Answers every request that names a stream or reaches the store may get. */
const COMMON_RESPONSES = {
  ...ANY_REQUEST_RESPONSES,
  401: json(ErrorResponse, '`UNAUTHORIZED`: no valid API token, on a server that requires them.'),
  403: json(
    ErrorResponse,
    '`FORBIDDEN`: the token does not grant the scope; on a server without tokens, `HOST_NOT_ALLOWED` or `ORIGIN_NOT_ALLOWED` for requests from web pages.',
  ),
  503: json(
    ErrorResponse,
    '`STORE_UNAVAILABLE`: the store could not be reached or stayed locked (retry); for subscriptions also `TOO_MANY_SUBSCRIBERS`, with `Retry-After`.',
  ),
};

const version = createRoute({
  method: 'get',
  path: '/version',
  summary: 'The running version',
  description: 'Needs no token.',
  security: [],
  responses: { 200: json(VersionResponse, 'The package version.'), ...ANY_REQUEST_RESPONSES },
});

const live = createRoute({
  method: 'get',
  path: '/health/live',
  summary: 'Liveness: the process serves requests',
  description: 'For orchestrators; needs no token. Restart the process when it fails.',
  security: [],
  responses: { 200: json(HealthResponse, '`{"status": "ok"}`'), ...ANY_REQUEST_RESPONSES },
});

const ready = createRoute({
  method: 'get',
  path: '/health/ready',
  summary: 'Readiness: the store answers',
  description:
    'For orchestrators and load balancers; needs no token. 503 while the store does not answer (unreachable, not yet migrated) or the server is shutting down: send no traffic meanwhile.',
  security: [],
  responses: {
    ...ANY_REQUEST_RESPONSES,
    200: json(HealthResponse, '`{"status": "ok"}`'),
    503: json(HealthResponse, '`{"status": "unavailable", "message": "..."}`'),
  },
});

const commit = createRoute({
  method: 'post',
  path: '/streams/{stream_id}',
  summary: 'Commit a changeset',
  description:
    'Appends a changeset if the stream ends where the writer expects. Without an expectation the stream must not exist yet.',
  request: {
    params: StreamIdParam,
    query: CommitQuery,
    body: { required: true, content: { 'application/json': { schema: ChangesetBody } } },
  },
  responses: {
    ...COMMON_RESPONSES,
    200: json(CommitResponse, 'Committed.'),
    400: badRequest('Invalid expectation, body or stream id.'),
    409: json(ConflictResponse, 'Someone committed first; the changesets they committed.'),
    413: json(ErrorResponse, 'The changeset exceeds the size or event count limit.'),
  },
});

const readStream = <S extends z.ZodType>(
  resource: 'changesets' | 'events',
  schema: S,
  summary: string,
) =>
  createRoute({
    method: 'get',
    path: `/streams/{stream_id}/${resource}`,
    summary,
    description: `With \`Accept: text/event-stream\`, a subscription to the stream's ${resource} from \`from\` on (default 1), which waits for a stream that does not exist yet.`,
    request: { params: StreamIdParam, query: RangeQuery, headers: SubscriptionHeaders },
    responses: {
      ...COMMON_RESPONSES,
      200: {
        ...json(schema, `The stream's ${resource} in the range, in order.`),
        content: {
          ...json(schema, '').content,
          ...eventStream(
            resource === 'changesets'
              ? 'One `changeset` message per changeset, `id` its changeset id.'
              : 'One `event` message per event, `id` `<changeset_id>.<index in the changeset>`.',
          ),
        },
      },
      400: badRequest('Invalid range, stream id or `Last-Event-ID`.'),
      404: json(ErrorResponse, 'No such stream.'),
    },
  });

const readGlobal = createRoute({
  method: 'get',
  path: '/changesets',
  summary: 'Enumerate the changesets of every stream by checkpoint',
  description:
    'Gapless and repeatable; changeset n of a stream always comes before changeset n + 1. Continue from `next_checkpoint`, which the `EES-Next-Checkpoint` header repeats ahead of the body. A page may hold fewer changesets than `limit` asks for.',
  request: { query: PageQuery, headers: SubscriptionHeaders },
  responses: {
    ...COMMON_RESPONSES,
    200: {
      ...json(GlobalPageResponse, 'One page of the global enumeration.'),
      content: {
        ...json(GlobalPageResponse, '').content,
        ...eventStream(
          'With `Accept: text/event-stream`: every changeset from `checkpoint` on, one `changeset` message each (as in a page, with `stream_id` and `checkpoint`), `id` its checkpoint.',
        ),
      },
      headers: {
        [NEXT_CHECKPOINT_HEADER]: {
          description: 'The `next_checkpoint` of the body, to ask for the next page early.',
          schema: { type: 'integer', minimum: 0 },
        },
      },
    },
    400: badRequest('Invalid checkpoint, limit or `Last-Event-ID`.'),
  },
});

const subscribeEvents = createRoute({
  method: 'get',
  path: '/events',
  summary: 'Subscribe to the events of every stream',
  description:
    'Server-Sent Events only: every event from the changeset at `checkpoint` on, catching up then live. Without `Accept: text/event-stream` this path does not exist (404).',
  request: {
    query: PageQuery.pick({ checkpoint: true }),
    headers: SubscriptionHeaders,
  },
  responses: {
    ...COMMON_RESPONSES,
    200: {
      description: 'The subscription.',
      content: eventStream(
        'One `event` message per event, `{"stream_id", "changeset_id", "event_id", "data", "checkpoint"}`, `id` `<checkpoint>.<index in the changeset>`.',
      ),
    },
    400: badRequest('Invalid checkpoint or `Last-Event-ID`.'),
    404: json(EndpointNotFound, 'Not asked for as an event stream.'),
  },
});

const openApi = createRoute({
  method: 'get',
  path: '/openapi.json',
  summary: 'This document',
  responses: {
    ...COMMON_RESPONSES,
    200: json(z.looseObject({}), 'The OpenAPI 3.1 document of the running server.'),
  },
});

const statistics = createRoute({
  method: 'get',
  path: '/streams',
  summary: 'Statistics over every stream',
  description:
    'Computed asynchronously by a projector that follows the global enumeration, so they trail the latest commits by up to the refresh interval.',
  responses: {
    ...COMMON_RESPONSES,
    200: json(StatisticsResponse, 'The latest statistics.'),
    404: json(z.strictObject({ error: z.string() }), 'Statistics are not yet generated.'),
  },
});

/** Every documented endpoint, in the order the document lists them. */
export const PATHS = [
  version,
  live,
  ready,
  commit,
  readStream('changesets', ChangesetsResponse, "Read a stream's changesets by changeset id"),
  readStream('events', EventsResponse, "Read a stream's events by event id"),
  readGlobal,
  subscribeEvents,
  statistics,
  openApi,
];

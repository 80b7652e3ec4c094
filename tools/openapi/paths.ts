import { createRoute, z } from '@hono/zod-openapi';
import { NEXT_CHECKPOINT_HEADER } from '../../src/core/index.js';
import {
  ChangesetBody,
  ChangesetsResponse,
  CommitQuery,
  CommitResponse,
  ConflictResponse,
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

const version = createRoute({
  method: 'get',
  path: '/version',
  summary: 'The running version',
  description: 'Needs no token.',
  security: [],
  responses: { 200: json(VersionResponse, 'The package version.') },
});

const live = createRoute({
  method: 'get',
  path: '/health/live',
  summary: 'Liveness: the process serves requests',
  description: 'For orchestrators; needs no token. Restart the process when it fails.',
  security: [],
  responses: { 200: json(HealthResponse, '`{"status": "ok"}`') },
});

const ready = createRoute({
  method: 'get',
  path: '/health/ready',
  summary: 'Readiness: the store answers',
  description:
    'For orchestrators and load balancers; needs no token. 503 while the store does not answer (unreachable, not yet migrated) or the server is shutting down: send no traffic meanwhile.',
  security: [],
  responses: {
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
    200: json(CommitResponse, 'Committed.'),
    400: json(ErrorResponse, 'Invalid expectation, body or stream id.'),
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
    request: { params: StreamIdParam, query: RangeQuery },
    responses: {
      200: json(schema, `The stream's ${resource} in the range, in order.`),
      400: json(ErrorResponse, 'Invalid range or stream id.'),
      404: json(ErrorResponse, 'No such stream.'),
    },
  });

const readGlobal = createRoute({
  method: 'get',
  path: '/changesets',
  summary: 'Enumerate the changesets of every stream by checkpoint',
  description:
    'Gapless and repeatable; changeset n of a stream always comes before changeset n + 1. Continue from `next_checkpoint`, which the `EES-Next-Checkpoint` header repeats ahead of the body. A page may hold fewer changesets than `limit` asks for.',
  request: { query: PageQuery },
  responses: {
    200: {
      ...json(GlobalPageResponse, 'One page of the global enumeration.'),
      headers: {
        [NEXT_CHECKPOINT_HEADER]: {
          description: 'The `next_checkpoint` of the body, to ask for the next page early.',
          schema: { type: 'integer', minimum: 0 },
        },
      },
    },
    400: json(ErrorResponse, 'Invalid checkpoint or limit.'),
  },
});

const statistics = createRoute({
  method: 'get',
  path: '/streams',
  summary: 'Statistics over every stream',
  description:
    'Computed asynchronously by a projector that follows the global enumeration, so they trail the latest commits by up to the refresh interval.',
  responses: {
    200: json(StatisticsResponse, 'The latest statistics.'),
    404: json(z.object({ error: z.string() }), 'Statistics are not yet generated.'),
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
  statistics,
];

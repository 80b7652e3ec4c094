import { createRoute } from '@hono/zod-openapi';
import { commitChangeset, errors, parseExpectation } from '../../core/index.js';
import { parseChangesetBody } from '../commit-body.js';
import type { RouteModule } from '../deps.js';
import { json } from '../deps.js';
import { errorBody } from '../errors.js';
import { limitBodyBytes } from '../request-limits.js';
import {
  ChangesetBody,
  CommitQuery,
  CommitResponse,
  ConflictResponse,
  ErrorResponse,
  StreamIdParam,
} from '../schemas.js';

const route = createRoute({
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

/**
 * Bodies are read whole before parsing, so the raw size is capped first. Formatting may make
 * the raw body larger than the changeset it carries; the exact limit applies after parsing.
 */
const RAW_BODY_ALLOWANCE = 4;

export const commitRoute: RouteModule = (app, { store, limits }) => {
  app.openAPIRegistry.registerPath(route);
  const maxBodyBytes = limits.maxChangesetBytes * RAW_BODY_ALLOWANCE;

  app.post('/streams/', () => {
    throw errors.missingStreamId();
  });

  app.post(
    '/streams/:stream_id',
    limitBodyBytes({
      maxBytes: maxBodyBytes,
      onTooLarge: (c) => {
        // The rest of the body is never read: the connection cannot carry another request.
        c.header('Connection', 'close');
        const streamId = c.req.param('stream_id') ?? '';
        return c.json(
          errorBody(errors.changesetTooLarge(streamId, 'request body', maxBodyBytes)),
          413,
        );
      },
    }),
    async (c) => {
      const streamId = c.req.param('stream_id');
      const expectation = parseExpectation(streamId, {
        expectedLastChangeset: c.req.query('expected_last_changeset'),
        expectedLastEvent: c.req.query('expected_last_event'),
      });
      const input = parseChangesetBody(streamId, await c.req.text(), limits);
      const changeset = await commitChangeset(store, { streamId, expectation, ...input });
      return c.json({ stream_id: streamId, changeset_id: changeset.changesetId }, 200);
    },
  );
};

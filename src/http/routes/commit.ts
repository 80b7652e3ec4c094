import { commitChangeset, errors, parseExpectation } from '../../core/index.js';
import { decodeBody, parseChangesetBody } from '../commit-body.js';
import type { RouteModule } from '../deps.js';
import { errorBody } from '../errors.js';
import { limitBodyBytes } from '../request-limits.js';

/**
 * Bodies are read whole before parsing, so the raw size is capped first. Formatting may make
 * the raw body larger than the changeset it carries; the exact limit applies after parsing.
 */
const RAW_BODY_ALLOWANCE = 4;

export const commitRoute: RouteModule = (app, { store, limits }) => {
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
      const text = decodeBody(streamId, await c.req.arrayBuffer());
      const input = parseChangesetBody(streamId, text, limits);
      const changeset = await commitChangeset(store, { streamId, expectation, ...input });
      return c.json({ stream_id: streamId, changeset_id: changeset.changesetId }, 200);
    },
  );
};

import type { Context } from 'hono';
import type { Changeset, EesError, EventStore } from '../../core/index.js';
import { commitChangeset, errors, isEesError, parseExpectation } from '../../core/index.js';
import { decodeBody, parseChangesetBody } from '../commit-body.js';
import type { RouteModule } from '../deps.js';
import { errorBody, statusOf } from '../errors.js';
import { listAnswer, mayBeCut } from '../list-answer.js';
import { limitBodyBytes } from '../request-limits.js';
import { changesetToWire } from '../wire.js';

/**
 * Bodies are read whole before parsing, so the raw size is capped first. Formatting may make
 * the raw body larger than the changeset it carries; the exact limit applies after parsing.
 */
const RAW_BODY_ALLOWANCE = 4;

type Conflict = EesError & { readonly forthcoming: readonly Changeset[] };

const isConflict = (error: unknown): error is Conflict =>
  isEesError(error) && error.forthcoming !== undefined;

/**
 * The contract's 409, listing every changeset that won. The store lists the first page of them
 * (`maxForthcomingBytes`); when that may not be all, the rest is read and sent page by page, as
 * stream reads are, so that a writer far behind a large stream cannot make the server hold the
 * whole stream at once. The rest is read after the conflict: it may also list changesets
 * committed since, which won as well.
 */
function conflictAnswer(
  c: Context,
  store: EventStore,
  maxPageBytes: number,
  conflict: Conflict,
): Response {
  // The body up to the list, with the contract's key order.
  const empty = JSON.stringify({ ...errorBody(conflict), forthcoming_changesets: [] });
  return listAnswer(c, {
    status: statusOf(conflict.code),
    prefix: empty.slice(0, -']}'.length),
    first: conflict.forthcoming,
    piece: (changeset) => JSON.stringify(changesetToWire(changeset)),
    next: (page, characters) => {
      const last = page.at(-1);
      if (last === undefined || !mayBeCut(characters, maxPageBytes)) return undefined;
      return store
        .readChangesets(last.streamId, { from: last.changesetId + 1 }, maxPageBytes)
        .then((rest) => rest ?? []);
    },
  });
}

export const commitRoute: RouteModule = (app, { store, limits }) => {
  const { maxPageBytes } = limits;
  const maxBodyBytes = limits.maxChangesetBytes * RAW_BODY_ALLOWANCE;

  app.post('/streams/', () => {
    throw errors.missingStreamId();
  });

  app.post(
    '/streams/:stream_id',
    limitBodyBytes({
      maxBytes: maxBodyBytes,
      onTooLarge: (c) => {
        // No `Connection: close`: @hono/node-server reads and discards the rest of the body
        // (for up to 500 ms and 64 MiB), so that a client that sends its whole body before it
        // reads (Node's fetch) gets this answer instead of a reset, on a connection that
        // serves on. API Gateway has read the body already.
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
      const request = { streamId, expectation, ...input, maxForthcomingBytes: maxPageBytes };
      try {
        const changeset = await commitChangeset(store, request);
        return c.json({ stream_id: streamId, changeset_id: changeset.changesetId }, 200);
      } catch (error) {
        if (!isConflict(error)) throw error;
        return conflictAnswer(c, store, maxPageBytes, error);
      }
    },
  );
};

import { createRoute } from '@hono/zod-openapi';
import {
  NEXT_CHECKPOINT_HEADER,
  nextCheckpoint,
  parsePage,
  readGlobalText,
} from '../../core/index.js';
import type { RouteModule } from '../deps.js';
import { json } from '../deps.js';
import { ErrorResponse, GlobalPageResponse, PageQuery } from '../schemas.js';
import { enumeratedChangesetJson } from '../../push/index.js';

const route = createRoute({
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

export const readGlobalRoute: RouteModule = (app, { store, limits }) => {
  app.openAPIRegistry.registerPath(route);
  app.get('/changesets', async (c) => {
    const { checkpoint, limit } = parsePage({
      checkpoint: c.req.query('checkpoint'),
      limit: c.req.query('limit'),
    });
    const page = await readGlobalText(store, checkpoint, Math.min(limit, limits.maxPageSize));
    const next = nextCheckpoint(checkpoint, page);
    // What `c.json({ checkpoint, limit, changesets, next_checkpoint })` would send, with each
    // changeset's stored JSON spliced in rather than parsed and serialised again. The header
    // repeats `next_checkpoint` ahead of the body, so a reader can ask for the next page while
    // this one is still arriving (the client SDK's `enumerate` does).
    return c.body(
      `{"checkpoint":${checkpoint},"limit":${limit},"changesets":[${page.map(enumeratedChangesetJson).join(',')}],"next_checkpoint":${next}}`,
      200,
      { 'content-type': 'application/json', [NEXT_CHECKPOINT_HEADER]: String(next) },
    );
  });
};

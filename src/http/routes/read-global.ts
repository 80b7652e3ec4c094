import { createRoute } from '@hono/zod-openapi';
import { nextCheckpoint, parsePage } from '../../core/index.js';
import type { RouteModule } from '../deps.js';
import { json } from '../deps.js';
import { ErrorResponse, GlobalPageResponse, PageQuery } from '../schemas.js';
import { indexedChangesetToWire } from '../wire.js';

const route = createRoute({
  method: 'get',
  path: '/changesets',
  summary: 'Enumerate the changesets of every stream by checkpoint',
  description:
    'Gapless and repeatable; changeset n of a stream always comes before changeset n + 1. Continue from `next_checkpoint`. A page may hold fewer changesets than `limit` asks for.',
  request: { query: PageQuery },
  responses: {
    200: json(GlobalPageResponse, 'One page of the global enumeration.'),
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
    const page = await store.readGlobal(checkpoint, Math.min(limit, limits.maxPageSize));
    return c.json(
      {
        checkpoint,
        limit,
        changesets: page.map(indexedChangesetToWire),
        next_checkpoint: nextCheckpoint(checkpoint, page),
      },
      200,
    );
  });
};

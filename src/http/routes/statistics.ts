import { createRoute, z } from '@hono/zod-openapi';
import type { Statistics } from '../../core/index.js';
import { STATISTICS_PROJECTION, errors } from '../../core/index.js';
import type { RouteModule } from '../deps.js';
import { json } from '../deps.js';
import { StatisticsResponse } from '../schemas.js';

const route = createRoute({
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

export const statisticsRoute: RouteModule = (app, { store }) => {
  app.openAPIRegistry.registerPath(route);
  app.get('/streams', async (c) => {
    const projection = await store.readProjection(STATISTICS_PROJECTION);
    if (projection === undefined) throw errors.statisticsNotReady();
    const statistics = projection.state as Statistics;
    return c.json(
      {
        total_streams: statistics.totalStreams,
        total_changesets: statistics.totalChangesets,
        total_events: statistics.totalEvents,
        max_stream_length: statistics.maxStreamLength,
        statistics_version: projection.checkpoint,
      },
      200,
    );
  });
};

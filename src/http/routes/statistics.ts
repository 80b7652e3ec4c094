import type { Statistics } from '../../core/index.js';
import { STATISTICS_PROJECTION, errors } from '../../core/index.js';
import type { RouteModule } from '../deps.js';

export const statisticsRoute: RouteModule = (app, { store }) => {
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

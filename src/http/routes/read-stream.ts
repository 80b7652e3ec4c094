import { errors, parseStreamRange } from '../../core/index.js';
import type { RouteModule } from '../deps.js';
import { changesetToWire, eventToWire } from '../wire.js';

export const readStreamRoutes: RouteModule = (app, { store }) => {
  const missingStreamId = () => {
    throw errors.missingStreamId();
  };
  app.get('/streams//changesets', missingStreamId);
  app.get('/streams//events', missingStreamId);

  app.get('/streams/:stream_id/changesets', async (c) => {
    const streamId = c.req.param('stream_id');
    const range = parseStreamRange(streamId, 'changeset', {
      from: c.req.query('from'),
      to: c.req.query('to'),
    });
    const changesets = await store.readChangesets(streamId, range);
    if (changesets === undefined) throw errors.streamNotFound(streamId);
    return c.json({ stream_id: streamId, changesets: changesets.map(changesetToWire) }, 200);
  });

  app.get('/streams/:stream_id/events', async (c) => {
    const streamId = c.req.param('stream_id');
    const range = parseStreamRange(streamId, 'event', {
      from: c.req.query('from'),
      to: c.req.query('to'),
    });
    const events = await store.readEvents(streamId, range);
    if (events === undefined) throw errors.streamNotFound(streamId);
    return c.json({ stream_id: streamId, events: events.map(eventToWire) }, 200);
  });
};

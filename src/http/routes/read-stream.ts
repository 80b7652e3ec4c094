import { createRoute } from '@hono/zod-openapi';
import type { z } from '@hono/zod-openapi';
import { errors, parseStreamRange } from '../../core/index.js';
import type { RouteModule } from '../deps.js';
import { json } from '../deps.js';
import {
  ChangesetsResponse,
  ErrorResponse,
  EventsResponse,
  RangeQuery,
  StreamIdParam,
} from '../schemas.js';
import { changesetToWire, eventToWire } from '../wire.js';

const readRoute = <S extends z.ZodType>(
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

const changesetsRoute = readRoute(
  'changesets',
  ChangesetsResponse,
  "Read a stream's changesets by changeset id",
);
const eventsRoute = readRoute('events', EventsResponse, "Read a stream's events by event id");

export const readStreamRoutes: RouteModule = (app, { store }) => {
  app.openAPIRegistry.registerPath(changesetsRoute);
  app.openAPIRegistry.registerPath(eventsRoute);

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

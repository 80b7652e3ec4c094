import { createRoute } from '@hono/zod-openapi';
import type { RouteModule } from '../deps.js';
import { json } from '../deps.js';
import { VersionResponse } from '../schemas.js';

const route = createRoute({
  method: 'get',
  path: '/version',
  summary: 'The running version',
  description: 'Needs no token.',
  security: [],
  responses: { 200: json(VersionResponse, 'The package version.') },
});

export const versionRoute: RouteModule = (app, { version }) => {
  app.openAPIRegistry.registerPath(route);
  app.get('/version', (c) => c.json({ version }, 200));
};

import type { RouteModule } from '../deps.js';

export const versionRoute: RouteModule = (app, { version }) => {
  app.get('/version', (c) => c.json({ version }, 200));
};

import { OpenAPIHono } from '@hono/zod-openapi';
import { PATHS } from './paths.js';

export interface DocumentOptions {
  /** The package version, as `GET /version` reports it. */
  readonly version: string;
  /** Whether requests need an API token (a bearer token). */
  readonly bearer: boolean;
}

/**
 * The OpenAPI 3.1 document of the HTTP API. The app imports this module on the first request
 * for `/openapi.json` and never before, so serving the API never loads zod.
 */
export function openApiDocument(options: DocumentOptions): unknown {
  const app = new OpenAPIHono();
  const registry = app.openAPIRegistry;
  if (options.bearer) {
    registry.registerComponent('securitySchemes', 'bearer', {
      type: 'http',
      scheme: 'bearer',
      description: 'An API token: `read` for GET endpoints, `write` also for commits.',
    });
  }
  for (const path of PATHS) registry.registerPath(path);
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Elastic Event Store',
      version: options.version,
      description: 'Append-only changesets per stream, with mandatory optimistic concurrency.',
    },
    ...(options.bearer ? { security: [{ bearer: [] }] } : {}),
  });
}

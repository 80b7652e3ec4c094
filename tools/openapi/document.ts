import { OpenAPIHono } from '@hono/zod-openapi';
import type { DocumentOptions } from '../../src/http/openapi/document.js';
import { BEARER_SCHEME } from '../../src/http/openapi/document.js';
import { PATHS } from './paths.js';

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the zod schemas. Run at development
 * time only (`npm run openapi` writes it into `src/http/openapi/generated.ts`, which the app
 * serves), so serving the API never loads zod; a test holds the two to the same document.
 */
export function openApiDocument(options: DocumentOptions): unknown {
  const app = new OpenAPIHono();
  const registry = app.openAPIRegistry;
  if (options.bearer) {
    registry.registerComponent('securitySchemes', 'bearer', { ...BEARER_SCHEME });
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

import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { EventStore } from '../core/index.js';
import { EesError, errors, isEesError } from '../core/index.js';
import type { AppDeps } from './deps.js';
import { errorBody, statusOf } from './errors.js';
import type { Limits } from './limits.js';
import { DEFAULT_LIMITS } from './limits.js';
import { commitRoute } from './routes/commit.js';
import { readGlobalRoute } from './routes/read-global.js';
import { readStreamRoutes } from './routes/read-stream.js';
import { statisticsRoute } from './routes/statistics.js';
import { versionRoute } from './routes/version.js';

export interface AppOptions {
  readonly store: EventStore;
  /** Reported by `GET /version`; the entry point reads it from package.json. */
  readonly version: string;
  readonly limits?: Partial<Limits>;
  /** Where unexpected errors are reported; they become a 500 without details. */
  readonly onUnexpectedError?: (error: unknown) => void;
}

/**
 * The whole HTTP contract as one `fetch(Request) → Response` app, served unchanged by the Node
 * server and by AWS Lambda.
 *
 * @example
 * ```ts
 * const app = createApp({ store: createMemoryStore(), version: '1.0.0' });
 * const response = await app.request('/version');
 * ```
 */
export function createApp(options: AppOptions): OpenAPIHono {
  const deps: AppDeps = {
    store: options.store,
    version: options.version,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  };
  const onUnexpectedError =
    options.onUnexpectedError ??
    ((error) => {
      console.error(error);
    });
  const app = new OpenAPIHono();

  for (const register of [
    versionRoute,
    commitRoute,
    readStreamRoutes,
    readGlobalRoute,
    statisticsRoute,
  ]) {
    register(app, deps);
  }

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Elastic Event Store',
      version: deps.version,
      description: 'Append-only changesets per stream, with mandatory optimistic concurrency.',
    },
  });

  app.notFound((c) => c.json(errorBody(errors.endpointNotFound()), 404));

  app.onError((error, c) => {
    const known = toEesError(error);
    if (known.code === 'INTERNAL_ERROR') onUnexpectedError(error);
    return c.json(errorBody(known), statusOf(known.code));
  });

  return app;
}

const toEesError = (error: unknown): EesError => {
  if (isEesError(error)) return error;
  if (error instanceof HTTPException && error.status < 500) {
    return new EesError('INVALID_BODY', error.message, { cause: error });
  }
  return new EesError('INTERNAL_ERROR', 'An unexpected error occurred.', { cause: error });
};

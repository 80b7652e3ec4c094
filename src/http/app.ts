import { OpenAPIHono } from '@hono/zod-openapi';
import type { EventStore } from '../core/index.js';
import { errors } from '../core/index.js';
import type { AppDeps } from './deps.js';
import { errorBody, statusOf } from './errors.js';
import { toEesError } from './unexpected.js';
import type { Limits } from './limits.js';
import { DEFAULT_LIMITS } from './limits.js';
import { commitRoute } from './routes/commit.js';
import { readGlobalRoute } from './routes/read-global.js';
import { readStreamRoutes } from './routes/read-stream.js';
import { statisticsRoute } from './routes/statistics.js';
import { subscribeRoutes } from './routes/subscribe.js';
import { versionRoute } from './routes/version.js';
import type { PushSettings } from './sse.js';
import { DEFAULT_PUSH_SETTINGS } from './sse.js';

export interface AppOptions {
  readonly store: EventStore;
  /** Reported by `GET /version`; the entry point reads it from package.json. */
  readonly version: string;
  readonly limits?: Partial<Limits>;
  /** Where unexpected errors are reported; they become a 500 without details. */
  readonly onUnexpectedError?: (error: unknown) => void;
  /** Server-Sent Events settings (heartbeat, poll interval, page size). */
  readonly push?: Partial<PushSettings>;
  /** Aborted when the server shuts down; ends every open subscription. */
  readonly shutdown?: AbortSignal;
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
  const onUnexpectedError =
    options.onUnexpectedError ??
    ((error) => {
      console.error(error);
    });
  const deps: AppDeps = {
    store: options.store,
    version: options.version,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    push: {
      settings: { ...DEFAULT_PUSH_SETTINGS, ...options.push },
      shutdown: options.shutdown,
      onUnexpectedError,
    },
  };
  const app = new OpenAPIHono();

  // Subscriptions come first: they take the requests that ask for an event stream.
  for (const register of [
    subscribeRoutes,
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

import { Hono } from 'hono';
import type { EesError, EventStore } from '../core/index.js';
import { errors } from '../core/index.js';
import type { AuthOptions } from './auth.js';
import { requireApiToken } from './auth.js';
import type { AppDeps } from './deps.js';
import { errorBody, headersOf, statusOf } from './errors.js';
import { reportStoreUnavailable, toEesError } from './unexpected.js';
import type { Limits } from './limits.js';
import { DEFAULT_LIMITS } from './limits.js';
import { STREAM_ID_PATHS, limitStreamId, limitUrlLength } from './request-limits.js';
import { commitRoute } from './routes/commit.js';
import type { HealthSettings } from './routes/health.js';
import { DEFAULT_HEALTH_SETTINGS, healthRoutes } from './routes/health.js';
import { readGlobalRoute } from './routes/read-global.js';
import { readStreamRoutes } from './routes/read-stream.js';
import { statisticsRoute } from './routes/statistics.js';
import { subscribeRoutes } from './routes/subscribe.js';
import { versionRoute } from './routes/version.js';
import type { PushSettings } from './sse.js';
import { DEFAULT_PUSH_SETTINGS, shutdownHooks, subscriberSlots } from './sse.js';
import type { CorsOptions } from './cors.js';
import { cors } from './cors.js';
import { openApiDocument } from './openapi/document.js';
import type { OpenServerOptions } from './open-server.js';
import { guardOpenServer } from './open-server.js';

export interface AppOptions {
  readonly store: EventStore;
  /** Reported by `GET /version`; the entry point reads it from package.json. */
  readonly version: string;
  readonly limits?: Partial<Limits>;
  /** Where unexpected errors are reported; they become a 500 without details. */
  readonly onUnexpectedError?: (error: unknown) => void;
  /**
   * Where answers of 503 `STORE_UNAVAILABLE` are reported, the store's failure as the error's
   * cause. Default: one line on stderr every 10 s at most (`reportStoreUnavailable`), so that an outage
   * shows in the log without a line per request.
   */
  readonly onStoreUnavailable?: (error: EesError) => void;
  /** Server-Sent Events settings (heartbeat, poll interval, page size). */
  readonly push?: Partial<PushSettings>;
  /** Aborted when the server shuts down; ends every open subscription. */
  readonly shutdown?: AbortSignal;
  /**
   * API tokens, required on every endpoint but `/version` and `/health/*` when any is given.
   * Left out where something in front of the app authenticates (IAM or API keys on AWS).
   */
  readonly auth?: AuthOptions;
  /** How `GET /health/ready` probes the store. */
  readonly health?: Partial<HealthSettings>;
  /** Web origins allowed to call the API from a browser; none by default. */
  readonly cors?: CorsOptions;
  /**
   * For a server without API tokens: which host names it answers to (see `guardOpenServer`).
   * Writes from web pages of origins `cors` does not list are refused along with it.
   */
  readonly openServer?: Pick<OpenServerOptions, 'hostAllowed'>;
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
export function createApp(options: AppOptions): Hono {
  const onUnexpectedError =
    options.onUnexpectedError ??
    ((error) => {
      console.error(error);
    });
  const onStoreUnavailable =
    options.onStoreUnavailable ??
    reportStoreUnavailable((line) => {
      console.error(line);
    });
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const deps: AppDeps = {
    store: options.store,
    version: options.version,
    limits,
    push: {
      settings: { ...DEFAULT_PUSH_SETTINGS, ...options.push },
      slots: subscriberSlots(limits.maxSubscribers),
      shutdown: options.shutdown,
      onShutdown: shutdownHooks(options.shutdown),
      onUnexpectedError,
    },
    health: { ...DEFAULT_HEALTH_SETTINGS, ...options.health },
  };
  const app = new Hono();

  // In this order: CORS (a preflight carries no token), cheap checks on the request line, then
  // the token, then the stream id.
  if (options.cors !== undefined && options.cors.origins.length > 0) {
    app.use('*', cors(options.cors));
  }
  app.use('*', limitUrlLength(limits.maxUrlBytes));
  if (options.openServer !== undefined) {
    app.use('*', guardOpenServer({ ...options.openServer, origins: options.cors?.origins ?? [] }));
  }
  const auth = options.auth?.tokens.length === 0 ? undefined : options.auth;
  if (auth !== undefined) {
    app.use('*', requireApiToken(auth));
  }
  for (const path of STREAM_ID_PATHS) app.use(path, limitStreamId(limits.maxStreamIdBytes));

  // Subscriptions come first: they take the requests that ask for an event stream.
  for (const register of [
    subscribeRoutes,
    versionRoute,
    healthRoutes,
    commitRoute,
    readStreamRoutes,
    readGlobalRoute,
    statisticsRoute,
  ]) {
    register(app, deps);
  }

  // Generated from the zod schemas at development time (tools/openapi): serving it loads none.
  const document = openApiDocument({ version: deps.version, bearer: auth !== undefined });
  app.get('/openapi.json', (c) => c.json(document, 200));

  app.notFound((c) => c.json(errorBody(errors.endpointNotFound()), 404));

  app.onError((error, c) => {
    const known = toEesError(error);
    // A client that hung up mid-request (an upload cut short) fails the body read: nobody gets
    // the answer, and the server did nothing wrong, so it is not reported as unexpected.
    if (known.code === 'INTERNAL_ERROR' && !c.req.raw.signal.aborted) onUnexpectedError(error);
    if (known.code === 'STORE_UNAVAILABLE') onStoreUnavailable(known);
    return c.json(errorBody(known), statusOf(known.code), headersOf(known.code));
  });

  return app;
}

import type { Hono } from 'hono';
import type { EventStore } from '../core/index.js';
import type { Limits } from './limits.js';
import type { HealthSettings } from './routes/health.js';
import type { PushContext } from './sse.js';

/** What every route needs; handed over by the entry point, never read from the environment. */
export interface AppDeps {
  readonly store: EventStore;
  readonly limits: Limits;
  readonly version: string;
  readonly push: PushContext;
  readonly health: HealthSettings;
}

/**
 * Each route module registers its handlers on the app; their OpenAPI descriptions are in
 * `openapi/paths.ts`, loaded only when the document is asked for.
 */
export type RouteModule = (app: Hono, deps: AppDeps) => void;

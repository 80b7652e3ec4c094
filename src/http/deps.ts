import type { OpenAPIHono } from '@hono/zod-openapi';
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

/** Each route module registers its handler and its OpenAPI description on the app. */
export type RouteModule = (app: OpenAPIHono, deps: AppDeps) => void;

export const json = <S>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

import type { MiddlewareHandler } from 'hono';
import { cors as honoCors } from 'hono/cors';
import { NEXT_CHECKPOINT_HEADER } from '../core/index.js';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_MAX_AGE_S } from './cors-policy.js';

/**
 * Which web pages may call the API from a browser: exact origins (`https://app.example.com`),
 * or `*` for any. Without it the app sends no CORS headers, and browsers keep pages of other
 * origins from reading its answers.
 */
export interface CorsOptions {
  readonly origins: readonly string[];
}

/**
 * Cross-origin resource sharing for browsers running the client SDK: the methods and request
 * headers it sends (`Authorization` for tokens, `Last-Event-ID` when resuming a subscription),
 * and the response headers it reads (`EES-Next-Checkpoint`, `Retry-After`). Credentials
 * (cookies) are never involved: tokens travel in `Authorization`. Preflight requests are
 * answered before the token check, as browsers send them without one.
 */
export function cors(options: CorsOptions): MiddlewareHandler {
  const anyOrigin = options.origins.includes('*');
  const allowed = new Set(options.origins);
  return honoCors({
    origin: anyOrigin ? '*' : (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: CORS_ALLOW_METHODS,
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: [NEXT_CHECKPOINT_HEADER, 'Retry-After'],
    maxAge: CORS_MAX_AGE_S,
  });
}

import type { MiddlewareHandler } from 'hono';
import { errors } from '../core/index.js';

/**
 * What keeps web pages out of a server without API tokens. Such a server needs no credentials,
 * and browsers send requests to it from any page their user opens:
 * - a page of any site can post to it (a form, or `fetch` without CORS): a write from an
 *   origin that is not allowed to call the API (`origins`, the CORS setting) is refused;
 * - a site whose name is made to resolve to 127.0.0.1 (DNS rebinding) can read it as its own:
 *   a request addressed to a host name `hostAllowed` refuses gets no answer.
 * Clients that are not browsers send no `Origin` and address the server by its own name.
 */
export interface OpenServerOptions {
  /** Whether the server answers requests addressed to this host name (no port). */
  readonly hostAllowed: (hostname: string) => boolean;
  /** The web origins allowed to call the API (`*`: any), as the CORS setting lists them. */
  readonly origins: readonly string[];
}

/** Methods that change nothing, which a page of another origin may send but cannot read. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `localhost` of `localhost:3000`, `[::1]` of `[::1]:3000`. */
const hostnameOf = (host: string): string =>
  host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? host);

/** The checks of `OpenServerOptions`, 403 `HOST_NOT_ALLOWED` and `ORIGIN_NOT_ALLOWED`. */
export function guardOpenServer(options: OpenServerOptions): MiddlewareHandler {
  const anyOrigin = options.origins.includes('*');
  const origins = new Set(options.origins);
  return async (c, next) => {
    const host = c.req.header('host');
    if (host !== undefined && !options.hostAllowed(hostnameOf(host))) {
      throw errors.hostNotAllowed(host);
    }
    const origin = c.req.header('origin');
    if (
      origin !== undefined &&
      !anyOrigin &&
      !origins.has(origin) &&
      !SAFE_METHODS.has(c.req.method)
    ) {
      throw errors.originNotAllowed(origin);
    }
    await next();
  };
}

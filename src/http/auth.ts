import type { MiddlewareHandler } from 'hono';
import { errors } from '../core/index.js';

/** What a token lets its bearer do: `read` every GET endpoint, `write` also commit. */
export type AccessScope = 'read' | 'write';

/** One API token and what it grants. */
export interface ApiToken {
  readonly token: string;
  readonly scope: AccessScope;
}

/**
 * Whether a presented token equals a configured one, in a time that depends on neither where
 * they differ nor how long they are (hash both, compare the digests in constant time). The
 * Node runtime passes one built on `node:crypto`'s `timingSafeEqual`.
 */
export type TokenEquals = (presented: string, configured: string) => boolean | Promise<boolean>;

export interface AuthOptions {
  /** The accepted tokens. None: every endpoint is open, as without `auth`. */
  readonly tokens: readonly ApiToken[];
  /** Defaults to `digestEquals` (Web Crypto), which runs wherever the app runs. */
  readonly equals?: TokenEquals;
}

/** Open without a token: version and health checks, which orchestrators call without one. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([
  '/version',
  '/health/live',
  '/health/ready',
]);

const utf8 = new TextEncoder();

const sha256 = async (text: string): Promise<Uint8Array> =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(text)));

/**
 * SHA-256 of both tokens, compared byte by byte without stopping at the first difference: the
 * digests have a fixed length whatever the tokens' lengths, and the loop always runs to its end.
 */
export const digestEquals: TokenEquals = async (presented, configured) => {
  const [a, b] = await Promise.all([sha256(presented), sha256(configured)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
};

/** RFC 6750's `Authorization: Bearer <b64token>`; any other credentials are not valid here. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The scope a request needs: reads for GET (and HEAD), writes for everything else. */
const requiredScope = (method: string): AccessScope =>
  method === 'GET' || method === 'HEAD' ? 'read' : 'write';

/**
 * Requires `Authorization: Bearer <token>` on every path but `PUBLIC_PATHS`: 401 without a
 * known token, 403 for a read token on a write. The presented token is compared with every
 * configured one, never stopping early, so the time taken does not tell which one (if any)
 * it was close to. Tokens are never logged or echoed.
 *
 * @example
 * ```ts
 * app.use('*', requireApiToken({ tokens: [{ token: 's3cret', scope: 'write' }] }));
 * ```
 */
export function requireApiToken(options: AuthOptions): MiddlewareHandler {
  const { tokens } = options;
  const equals = options.equals ?? digestEquals;
  const scopeOf = async (presented: string): Promise<AccessScope | undefined> => {
    const matches = await Promise.all(tokens.map(async ({ token }) => equals(presented, token)));
    let scope: AccessScope | undefined;
    tokens.forEach((token, i) => {
      if (matches[i] === true && scope !== 'write') scope = token.scope;
    });
    return scope;
  };
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) {
      await next();
      return;
    }
    const header = c.req.header('authorization') ?? '';
    if (header.trim() === '') throw errors.unauthorized('missing');
    const presented = BEARER.exec(header)?.[1];
    const scope = presented === undefined ? undefined : await scopeOf(presented);
    if (scope === undefined) throw errors.unauthorized('invalid');
    if (requiredScope(c.req.method) === 'write' && scope !== 'write') {
      throw errors.forbidden('write');
    }
    await next();
  };
}

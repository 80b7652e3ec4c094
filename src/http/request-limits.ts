import type { MiddlewareHandler } from 'hono';
import { checkStreamId, errors } from '../core/index.js';

/**
 * Bytes of the request target (path and query) as the client sent it: the Request URL keeps
 * it percent-encoded, so its characters are its bytes.
 */
function targetLength(url: string): number {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  return pathStart < 0 ? 1 : url.length - pathStart;
}

/** 414 `URI_TOO_LONG` for a request target longer than `maxUrlBytes`, before any routing. */
export const limitUrlLength =
  (maxUrlBytes: number): MiddlewareHandler =>
  async (c, next) => {
    if (targetLength(c.req.url) > maxUrlBytes) throw errors.uriTooLong(maxUrlBytes);
    await next();
  };

/**
 * 400 `INVALID_STREAM_ID` for a stream id no store could keep, on every route that takes one:
 * register it on those paths so commits, reads and subscriptions apply the same rule.
 */
export const limitStreamId =
  (maxStreamIdBytes: number): MiddlewareHandler =>
  async (c, next) => {
    const streamId = c.req.param('stream_id');
    if (streamId !== undefined) checkStreamId(streamId, maxStreamIdBytes);
    await next();
  };

/** Every path with a stream id, whatever the method (commit, reads, subscriptions). */
export const STREAM_ID_PATHS = [
  '/streams/:stream_id',
  '/streams/:stream_id/changesets',
  '/streams/:stream_id/events',
] as const;

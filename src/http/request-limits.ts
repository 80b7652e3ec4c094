import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { checkStreamId, errors } from '../core/index.js';

/**
 * Where the request target (path and query) starts in a Request URL, which keeps it as the
 * client sent it, percent-encoded; -1 when the URL has no path.
 */
const targetStart = (url: string): number => url.indexOf('/', url.indexOf('//') + 2);

/** Bytes of the request target: percent-encoded, its characters are its bytes. */
function targetLength(url: string): number {
  const start = targetStart(url);
  return start < 0 ? 1 : url.length - start;
}

/** The path of `url` as the client sent it, still percent-encoded. */
function rawPath(url: string): string {
  const start = targetStart(url);
  if (start < 0) return '/';
  const query = url.indexOf('?', start);
  return url.slice(start, query < 0 ? undefined : query);
}

/** Whether `segment` decodes: every "%" starts an escape, and the escapes spell UTF-8. */
function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
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
 * register it on those paths so commits, reads and subscriptions apply the same rule. That
 * includes a path segment that does not decode (`%ZZ`, `%FF`): the router would take it
 * literally, and `/streams/%ZZ` and `/streams/%25ZZ` would name one stream.
 */
export const limitStreamId =
  (maxStreamIdBytes: number): MiddlewareHandler =>
  async (c, next) => {
    const streamId = c.req.param('stream_id');
    if (streamId !== undefined) {
      // Every path with a stream id starts `/streams/{stream_id}`.
      if (!decodes(rawPath(c.req.url).split('/')[2] ?? '')) {
        throw errors.streamIdBadlyEncoded(streamId);
      }
      checkStreamId(streamId, maxStreamIdBytes);
    }
    await next();
  };

/** Every path with a stream id, whatever the method (commit, reads, subscriptions). */
export const STREAM_ID_PATHS = [
  '/streams/:stream_id',
  '/streams/:stream_id/changesets',
  '/streams/:stream_id/events',
] as const;

/**
 * Answers `onTooLarge` for a request body over `maxBytes`. A body announced by Content-Length
 * is judged by the header alone (Node's parser never delivers more bytes than announced) and is
 * left untouched, so the handler reads it through the server's direct path rather than as a
 * web stream, which costs about a third of a small commit's time. A chunked body has no size
 * up front: Hono's `bodyLimit` counts it as it arrives.
 */
export function limitBodyBytes(options: {
  readonly maxBytes: number;
  readonly onTooLarge: (c: Context) => Response | Promise<Response>;
}): MiddlewareHandler {
  const { maxBytes, onTooLarge } = options;
  const counting = bodyLimit({ maxSize: maxBytes, onError: onTooLarge });
  return async (c, next) => {
    const headers = c.req.raw.headers;
    const announced = headers.get('content-length');
    if (announced !== null && !headers.has('transfer-encoding') && /^\d+$/.test(announced)) {
      if (Number(announced) > maxBytes) return onTooLarge(c);
      await next();
      return;
    }
    return counting(c, next);
  };
}

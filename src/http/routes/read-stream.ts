import type { Context } from 'hono';
import type { Range } from '../../core/index.js';
import { errors, parseStreamRange } from '../../core/index.js';
import type { RouteModule } from '../deps.js';
import { changesetToWire, eventToWire } from '../wire.js';

/** What `listAnswer` needs to send a stream read in parts. */
interface ListParts<T> {
  /** The body up to the list: `{"stream_id":"…","changesets":[`. */
  readonly prefix: string;
  /** The first page, read with the page bound. */
  readonly first: readonly T[];
  /** An item as JSON. */
  readonly piece: (item: T) => string;
  /**
   * The page after `page`, whose items took `characters` as JSON, or `undefined` when `page`
   * is known to be the last.
   */
  readonly next: (page: readonly T[], characters: number) => Promise<readonly T[]> | undefined;
}

/**
 * A stream read's answer, `prefix` then the items then `]}`. Reads are bounded in bytes
 * (`limits.maxPageBytes`), so a large range comes in several pages: when the first page is
 * the whole answer (nearly always) it is sent at once, otherwise the body is streamed, each
 * page read when the connection has taken the one before, and memory holds about one page.
 * A store failure after the first page can only cut the body short.
 */
function listAnswer<T>(c: Context, { prefix, first, piece, next }: ListParts<T>): Response {
  const serialise = (page: readonly T[]) => {
    const pieces = page.map(piece);
    return { text: pieces.join(','), characters: pieces.reduce((n, p) => n + p.length, 0) };
  };
  const head = serialise(first);
  let pending = next(first, head.characters);
  const headers = { 'content-type': 'application/json' };
  if (pending === undefined) return c.body(`${prefix}${head.text}]}`, 200, headers);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`${prefix}${head.text}`));
    },
    async pull(controller) {
      const page = pending === undefined ? [] : await pending;
      if (page.length === 0) {
        controller.enqueue(encoder.encode(']}'));
        controller.close();
        return;
      }
      const { text, characters } = serialise(page);
      controller.enqueue(encoder.encode(`,${text}`));
      pending = next(page, characters);
    },
  });
  return c.body(body, 200, headers);
}

/**
 * Whether a page read with `maxBytes` may have been cut short, judged by the JSON the answer
 * carries for it (`characters`), which holds at least every character a store counted: a
 * store counts at most 3 bytes a character (UTF-8), so a page under a third of the bound was
 * not cut, and the read is complete without asking again.
 */
const mayBeCut = (characters: number, maxBytes: number): boolean => 3 * characters >= maxBytes;

/** Whether the range ends at or before `id`. */
const reached = (range: Range, id: number): boolean => range.to !== undefined && id >= range.to;

export const readStreamRoutes: RouteModule = (app, { store, limits }) => {
  const { maxPageBytes } = limits;
  const missingStreamId = () => {
    throw errors.missingStreamId();
  };
  app.get('/streams//changesets', missingStreamId);
  app.get('/streams//events', missingStreamId);

  app.get('/streams/:stream_id/changesets', async (c) => {
    const streamId = c.req.param('stream_id');
    const range = parseStreamRange(streamId, 'changeset', {
      from: c.req.query('from'),
      to: c.req.query('to'),
    });
    const first = await store.readChangesets(streamId, range, maxPageBytes);
    if (first === undefined) throw errors.streamNotFound(streamId);
    return listAnswer(c, {
      prefix: `{"stream_id":${JSON.stringify(streamId)},"changesets":[`,
      first,
      piece: (changeset) => JSON.stringify(changesetToWire(changeset)),
      next: (page, characters) => {
        const last = page.at(-1);
        if (last === undefined || reached(range, last.changesetId)) return undefined;
        if (!mayBeCut(characters, maxPageBytes)) return undefined;
        const rest = { from: last.changesetId + 1, to: range.to };
        return store.readChangesets(streamId, rest, maxPageBytes).then((page) => page ?? []);
      },
    });
  });

  app.get('/streams/:stream_id/events', async (c) => {
    const streamId = c.req.param('stream_id');
    const range = parseStreamRange(streamId, 'event', {
      from: c.req.query('from'),
      to: c.req.query('to'),
    });
    const first = await store.readEvents(streamId, range, maxPageBytes);
    if (first === undefined) throw errors.streamNotFound(streamId);
    return listAnswer(c, {
      prefix: `{"stream_id":${JSON.stringify(streamId)},"events":[`,
      first,
      piece: (event) => JSON.stringify(eventToWire(event)),
      // A store does not count the first changeset of an events page (see `readEvents`): what
      // it counted is all in the events answered.
      next: (page, characters) => {
        const last = page.at(-1);
        if (last === undefined || reached(range, last.eventId)) return undefined;
        if (!mayBeCut(characters, maxPageBytes)) return undefined;
        const rest = { from: last.eventId + 1, to: range.to };
        return store.readEvents(streamId, rest, maxPageBytes).then((page) => page ?? []);
      },
    });
  });
};

import type { Context, Env } from 'hono';
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

/** What tells a changeset read from an events read. */
interface StreamList<T> {
  /** What the range counts, as `parseStreamRange` names it; the list is its plural. */
  readonly target: 'changeset' | 'event';
  readonly read: (streamId: string, range: Range, maxBytes: number) => Promise<T[] | undefined>;
  /** The number the range counts: a changeset id, an event id. */
  readonly idOf: (item: T) => number;
  readonly toWire: (item: T) => unknown;
}

export const readStreamRoutes: RouteModule = (app, { store, limits }) => {
  const { maxPageBytes } = limits;
  const missingStreamId = () => {
    throw errors.missingStreamId();
  };
  app.get('/streams//changesets', missingStreamId);
  app.get('/streams//events', missingStreamId);

  /** `GET /streams/{id}/<target>s?from=&to=`, a page at a time (see `listAnswer`). */
  const streamList =
    <T>({ target, read, idOf, toWire }: StreamList<T>) =>
    async (c: Context<Env, '/streams/:stream_id'>) => {
      const streamId = c.req.param('stream_id');
      const range = parseStreamRange(streamId, target, {
        from: c.req.query('from'),
        to: c.req.query('to'),
      });
      const first = await read(streamId, range, maxPageBytes);
      if (first === undefined) throw errors.streamNotFound(streamId);
      return listAnswer(c, {
        prefix: `{"stream_id":${JSON.stringify(streamId)},"${target}s":[`,
        first,
        piece: (item) => JSON.stringify(toWire(item)),
        next: (page, characters) => {
          const last = page.at(-1);
          if (last === undefined || reached(range, idOf(last))) return undefined;
          if (!mayBeCut(characters, maxPageBytes)) return undefined;
          const rest = { from: idOf(last) + 1, to: range.to };
          return read(streamId, rest, maxPageBytes).then((page) => page ?? []);
        },
      });
    };

  app.get(
    '/streams/:stream_id/changesets',
    streamList({
      target: 'changeset',
      read: (streamId, range, maxBytes) => store.readChangesets(streamId, range, maxBytes),
      idOf: (changeset) => changeset.changesetId,
      toWire: changesetToWire,
    }),
  );
  // A store does not count the first changeset of an events page (see `readEvents`): what it
  // counted is all in the events answered, so `mayBeCut` holds for events too.
  app.get(
    '/streams/:stream_id/events',
    streamList({
      target: 'event',
      read: (streamId, range, maxBytes) => store.readEvents(streamId, range, maxBytes),
      idOf: (event) => event.eventId,
      toWire: eventToWire,
    }),
  );
};

import type { Context, Env } from 'hono';
import type { Range } from '../../core/index.js';
import { errors, parseStreamRange } from '../../core/index.js';
import type { RouteModule } from '../deps.js';
import { listAnswer, mayBeCut } from '../list-answer.js';
import { changesetToWire, eventToWire } from '../wire.js';

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
        status: 200,
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

import type { Context, Next } from 'hono';
import type { IndexedChangeset, IndexedChangesetText } from '../../core/index.js';
import { errors, parsePage, parseStreamRange, toChangesetText } from '../../core/index.js';
import type { PushMessage, ResumePoint } from '../../push/index.js';
import {
  changesetMessage,
  eventMessages,
  followGlobal,
  followGlobalText,
  followStream,
  resumeAfter,
} from '../../push/index.js';
import type { AppDeps, RouteModule } from '../deps.js';
import { streamMessages, wantsEventStream } from '../sse.js';

/**
 * Where a subscription starts: `Last-Event-ID` (what a reconnecting EventSource sends) wins over
 * the query parameter, and resumes right after the message it names.
 */
function startOf(
  c: Context,
  withIndex: boolean,
  fromQuery: () => ResumePoint,
  expected: string,
): ResumePoint {
  const lastEventId = c.req.header('last-event-id');
  if (!resuming(c) || lastEventId === undefined) return fromQuery();
  const resume = resumeAfter(lastEventId.trim(), withIndex);
  if (resume === undefined) throw errors.invalidLastEventId(lastEventId, expected);
  return resume;
}

/** Whether the request resumes after a `Last-Event-ID`, whatever its query says. */
const resuming = (c: Context): boolean => (c.req.header('last-event-id') ?? '') !== '';

/**
 * Bytes of events and metadata a subscription reads per query, at most (besides the changeset
 * that crosses it): a subscriber that stops reading holds its last page in memory until it goes
 * away, and `maxSubscribers` of them would hold that many pages (4 GiB at the default page
 * bound). Catching up, a page of small changesets still fills the page size.
 */
const SUBSCRIPTION_PAGE_BYTES = 64 * 1024;

/** Event messages of each changeset, skipping what precedes the start (a resumed changeset). */
async function* eventsOf(
  changesets: AsyncIterable<IndexedChangeset>,
  positionOf: (changeset: IndexedChangeset) => number,
  start: ResumePoint,
  minEventId: number,
): AsyncGenerator<PushMessage> {
  for await (const changeset of changesets) {
    const position = positionOf(changeset);
    const resumeIndex = position === start.position ? start.index : 0;
    const fromIndex = Math.max(resumeIndex, minEventId - changeset.firstEventId, 0);
    yield* eventMessages(changeset, fromIndex, (index) => `${position}.${index}`);
  }
}

async function* changesetsOf(
  changesets: AsyncIterable<IndexedChangesetText>,
  idOf: (changeset: IndexedChangesetText) => number,
): AsyncGenerator<PushMessage> {
  for await (const changeset of changesets) yield changesetMessage(changeset, `${idOf(changeset)}`);
}

/** A stream's changesets serialised for `changesetsOf`. */
async function* asText(
  changesets: AsyncIterable<IndexedChangeset>,
): AsyncGenerator<IndexedChangesetText> {
  for await (const changeset of changesets) yield toChangesetText(changeset);
}

const byCheckpoint = (changeset: { readonly checkpoint: number }) => changeset.checkpoint;
const byChangesetId = (changeset: { readonly changesetId: number }) => changeset.changesetId;

/** Hands the request on to the JSON route unless it asks for an event stream. */
const eventStreamOnly =
  (handler: (c: Context) => Promise<Response> | Response) => async (c: Context, next: Next) => {
    if (!wantsEventStream(c)) {
      await next();
      return;
    }
    return handler(c);
  };

/**
 * Push over Server-Sent Events on the existing resources, chosen by `Accept:
 * text/event-stream`: every message comes from the pull enumeration (or the stream read), so a
 * subscription can start or resume anywhere and never skips or repeats a message.
 */
export const subscribeRoutes = (app: Parameters<RouteModule>[0], deps: AppDeps): void => {
  const { store, push, limits } = deps;
  const follow = (signal: AbortSignal) => ({
    signal,
    pageSize: push.settings.pageSize,
    maxPageBytes: Math.min(limits.maxPageBytes, SUBSCRIPTION_PAGE_BYTES),
    pollIntervalMs: push.settings.pollIntervalMs,
  });

  app.get(
    '/changesets',
    eventStreamOnly((c) => {
      const start = startOf(
        c,
        false,
        () => ({
          position: parsePage({ checkpoint: c.req.query('checkpoint'), limit: undefined })
            .checkpoint,
          index: 0,
        }),
        'a checkpoint',
      );
      return streamMessages(c, push, (signal) =>
        changesetsOf(followGlobalText(store, start.position, follow(signal)), byCheckpoint),
      );
    }),
  );

  app.get('/events', (c) => {
    // Only the event stream lives here: the contract has no JSON `/events`, so any other
    // request is its "anything else", the 404 every unknown endpoint gets.
    if (!wantsEventStream(c)) throw errors.endpointNotFound();
    const start = startOf(
      c,
      true,
      () => ({
        position: parsePage({ checkpoint: c.req.query('checkpoint'), limit: undefined }).checkpoint,
        index: 0,
      }),
      '<checkpoint>.<index>',
    );
    return streamMessages(c, push, (signal) =>
      eventsOf(followGlobal(store, start.position, follow(signal)), byCheckpoint, start, 0),
    );
  });

  app.get(
    '/streams/:stream_id/changesets',
    eventStreamOnly((c) => {
      const streamId = c.req.param('stream_id') ?? '';
      const start = startOf(
        c,
        false,
        () => ({
          position:
            parseStreamRange(streamId, 'changeset', { from: c.req.query('from'), to: undefined })
              .from ?? 1,
          index: 0,
        }),
        'a changeset id',
      );
      return streamMessages(c, push, (signal) =>
        changesetsOf(
          asText(followStream(store, streamId, start.position, follow(signal))),
          byChangesetId,
        ),
      );
    }),
  );

  app.get(
    '/streams/:stream_id/events',
    eventStreamOnly(async (c) => {
      const streamId = c.req.param('stream_id') ?? '';
      // `from` counts only when not resuming, like the other channels' query parameters: then
      // it is checked, and the changeset holding its event looked up (from the stream's start
      // if that event does not exist yet).
      const resumes = resuming(c);
      const fromEvent = resumes
        ? 0
        : (parseStreamRange(streamId, 'event', { from: c.req.query('from'), to: undefined }).from ??
          1);
      const holding = resumes
        ? undefined
        : await store.readEvents(streamId, { from: fromEvent, to: fromEvent });
      const start = startOf(
        c,
        true,
        () => ({ position: holding?.[0]?.changesetId ?? 1, index: 0 }),
        '<changeset_id>.<index>',
      );
      const minEventId = fromEvent;
      return streamMessages(c, push, (signal) =>
        eventsOf(
          followStream(store, streamId, start.position, follow(signal)),
          byChangesetId,
          start,
          minEventId,
        ),
      );
    }),
  );
};

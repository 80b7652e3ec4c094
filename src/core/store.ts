import { errors } from './errors.js';
import type { Expectation } from './expectation.js';
import type {
  Changeset,
  Checkpoint,
  IndexedChangeset,
  IndexedChangesetText,
  JsonObject,
  Range,
  StreamEvent,
  StreamHead,
} from './types.js';

export interface CommitRequest {
  readonly streamId: string;
  readonly expectation: Expectation;
  /** Non-empty; validated before it reaches a store. */
  readonly events: readonly JsonObject[];
  readonly metadata: JsonObject;
  /**
   * `JSON.stringify(events)` and `JSON.stringify(metadata)`, when the caller has serialised
   * them already (the HTTP route does, to check the size): stores that keep JSON text store
   * these rather than serialise again. Must be exactly that text.
   */
  readonly json?: ChangesetJson;
  /**
   * With it, a conflict's `forthcoming` holds only the first of the changesets that won, up to
   * the one that brings their events and metadata to this many bytes or more, as
   * `readChangesets` bounds a read: an answer to a writer far behind a large stream stays
   * about one page. Read the rest with `readChangesets` from the changeset after the last.
   */
  readonly maxForthcomingBytes?: number;
  /**
   * The changeset's timestamp, in place of the store's clock: for copying changesets from
   * another store as they were (`copyStore`). An ISO 8601 string as `Date#toISOString` writes
   * it. Not settable over HTTP, where the store's clock decides.
   */
  readonly timestamp?: string;
}

/** A changeset's events and metadata as JSON text, as `JSON.stringify` writes them. */
export interface ChangesetJson {
  readonly events: string;
  readonly metadata: string;
}

/** The request's events and metadata as JSON text: what it carries, or serialised now. */
export const changesetJsonOf = (request: CommitRequest): ChangesetJson =>
  request.json ?? {
    events: JSON.stringify(request.events),
    metadata: JSON.stringify(request.metadata),
  };

/**
 * A changeset whose events and metadata are parsed from their JSON text when first read, then
 * kept: a committer often needs only the numbers (the HTTP route answers with the changeset id),
 * and parsing what was just written would be wasted. To any reader (property access, spread,
 * `JSON.stringify`, deep equality) they are ordinary enumerable properties.
 */
export function changesetFromJson(
  fields: Omit<Changeset, 'events' | 'metadata'>,
  json: ChangesetJson,
): Changeset {
  let events: JsonObject[] | undefined;
  let metadata: JsonObject | undefined;
  // Getters of an object literal: own, enumerable, and cheap for V8 (unlike defineProperty).
  return {
    ...fields,
    get events() {
      return (events ??= JSON.parse(json.events) as JsonObject[]);
    },
    get metadata() {
      return (metadata ??= JSON.parse(json.metadata) as JsonObject);
    },
  };
}

export type CommitResult =
  | { readonly status: 'committed'; readonly changeset: Changeset }
  /**
   * The expectation is behind the stream: these changesets were committed after it (only the
   * first of them when the request set `maxForthcomingBytes`).
   */
  | { readonly status: 'conflict'; readonly forthcoming: readonly Changeset[] }
  /** The expectation is ahead of the stream, which ends at `head`. */
  | { readonly status: 'ahead'; readonly head: StreamHead };

/** What differs between stores, declared as data so nothing branches on a store's name. */
export interface StoreCapabilities {
  /**
   * `true` when a changeset has its checkpoint as soon as the commit is acknowledged (SQLite,
   * memory); `false` when an indexer assigns it afterwards (PostgreSQL, DynamoDB Streams), so
   * the global enumeration trails the commit.
   */
  readonly checkpointsAtCommit: boolean;
  /**
   * `true` when commits made concurrently on this store object, without waiting for one
   * another, take their checkpoints in the order of its `commit` calls, each seeing the ones
   * called before it, as if made one by one (SQLite's group commit, memory). `copyStore` then
   * keeps many commits in flight and still gives the copies the source's order.
   */
  readonly checkpointsInCallOrder: boolean;
  /** Whether several processes may serve one store at once (PostgreSQL, DynamoDB). */
  readonly sharedAcrossProcesses: boolean;
}

/** Told that changesets of these streams (`undefined`: of any stream) became readable. */
export type ChangeListener = (streamIds?: readonly string[]) => void;

/** A projection's persisted progress: the next checkpoint it reads, and its folded state (JSON-serialisable: stores keep it as JSON). */
export interface ProjectionState<State = unknown> {
  readonly checkpoint: Checkpoint;
  readonly state: State;
}

/**
 * The storage port: every backend (memory, SQLite, PostgreSQL, DynamoDB) implements exactly
 * this, and one conformance suite holds each of them to it.
 */
export interface EventStore {
  readonly capabilities: StoreCapabilities;

  /**
   * Appends a changeset if, and only if, the expectation matches the stream's end. The check
   * and the write are one atomic step: of two writers with the same expectation exactly one
   * commits and the other gets `conflict` with the winner's changeset.
   */
  commit(request: CommitRequest): Promise<CommitResult>;

  /**
   * A stream's changesets in the inclusive range, in order; `undefined` if no such stream. With
   * `maxBytes`, only the first of them: up to the one that brings their events and metadata, as
   * stored JSON text, to `maxBytes` or more (as `readGlobal`); read on from the next changeset.
   */
  readChangesets(
    streamId: string,
    range: Range,
    maxBytes?: number,
  ): Promise<Changeset[] | undefined>;

  /**
   * A stream's events in the inclusive range of event ids, even when the range starts or ends
   * inside a changeset; `undefined` if no such stream. With `maxBytes`, only the events of the
   * first changesets holding the range: the first of them, then up to the one that brings the
   * events of those after it (whole, as stored JSON text, metadata not counted) to `maxBytes` or
   * more; read on from the next event. (The first changeset, maybe read only in part, does not
   * count, so that a reader can tell from the events it got whether the read was cut short.)
   */
  readEvents(streamId: string, range: Range, maxBytes?: number): Promise<StreamEvent[] | undefined>;

  /**
   * Up to `limit` changesets of every stream from `checkpoint` on, in checkpoint order. With
   * `maxBytes`, the page also ends with the first changeset that brings the size of its events
   * and metadata, as the JSON text stored, to `maxBytes` or more (see `withinBytes`): a page of
   * large changesets stays about that size, and still holds one changeset when there is one.
   * A shorter page is no sign of the end: only an empty one is.
   */
  readGlobal(checkpoint: Checkpoint, limit: number, maxBytes?: number): Promise<IndexedChangeset[]>;

  /**
   * The same page as `readGlobal`, with events and metadata as the JSON text they are stored
   * as, so that serving a page does not parse and re-serialise every event. Stores that keep
   * JSON text implement it; for the others, `readGlobalText` below serialises what `readGlobal`
   * returns.
   */
  readGlobalText?(
    checkpoint: Checkpoint,
    limit: number,
    maxBytes?: number,
  ): Promise<IndexedChangesetText[]>;

  /**
   * Appends these changesets as they are given (changeset numbers, event ids, timestamps,
   * events, metadata; `checkpoint` is ignored), all or none: only if each one follows its
   * stream's last changeset (in the store, or earlier in the list), numbered from 1 with event
   * ids from 1 for a new stream. Their checkpoints then follow the list's order, after those of
   * every changeset appended before. Resolves `false`, having written nothing, when any of
   * them does not follow (the core's `followInOrder`). For copying a store (`copyStore`) into
   * one that nothing else writes to meanwhile: a page in one transaction, where `commit` would
   * take a round trip (PostgreSQL) or a group commit (SQLite) each. DynamoDB has none.
   */
  appendInOrder?(changesets: readonly Changeset[]): Promise<boolean>;

  readProjection(name: string): Promise<ProjectionState | undefined>;

  /**
   * Saves a projection's progress if its persisted checkpoint is still `previous` (`undefined`:
   * never saved). Returns `false`, writing nothing, when another runner got there first.
   */
  writeProjection(
    name: string,
    next: ProjectionState,
    previous: Checkpoint | undefined,
  ): Promise<boolean>;

  /**
   * Registers a wake-up for push delivery, called after changesets become readable: at commit
   * where checkpoints come with the commit, once indexed where they come later. It names the
   * streams concerned when it knows them (`undefined`: any stream). Subscribers re-read the
   * store when woken, so a wake-up may be spurious or stand for several commits. Returns the
   * function that unregisters it. Stores without it are polled.
   */
  watch?(listener: ChangeListener): () => void;

  /**
   * Runs `work` unless another process sharing the store is running work under the same name,
   * in which case it resolves `undefined` without running it: a lease, so that background jobs
   * (the statistics projector) run on one instance at a time. Stores that serve a single
   * process leave it out, and callers then run the work directly.
   */
  runExclusive?<T>(name: string, work: () => Promise<T>): Promise<T | undefined>;

  /** Releases connections and files. The store is unusable afterwards. */
  close(): Promise<void>;
}

/** Commits, turning a rejected expectation into the contract's error. */
export async function commitChangeset(
  store: EventStore,
  request: CommitRequest,
): Promise<Changeset> {
  const result = await store.commit(request);
  switch (result.status) {
    case 'committed':
      return result.changeset;
    case 'conflict':
      throw errors.concurrencyConflict(request.streamId, request.expectation, result.forthcoming);
    case 'ahead':
      throw errors.expectationAhead(
        request.streamId,
        request.expectation,
        request.expectation.kind === 'changeset'
          ? result.head.lastChangesetId
          : result.head.lastEventId,
      );
  }
}

/** An enumerated changeset with its events and metadata serialised. */
export const toChangesetText = ({
  streamId,
  changesetId,
  checkpoint,
  events,
  metadata,
}: IndexedChangeset): IndexedChangesetText => ({
  streamId,
  changesetId,
  checkpoint,
  eventsJson: JSON.stringify(events),
  metadataJson: JSON.stringify(metadata),
});

/**
 * A page of the enumeration as text: the store's own `readGlobalText` where it has one,
 * otherwise `readGlobal`'s page serialised.
 */
export const readGlobalText = async (
  store: EventStore,
  checkpoint: Checkpoint,
  limit: number,
  maxBytes?: number,
): Promise<IndexedChangesetText[]> =>
  store.readGlobalText !== undefined
    ? store.readGlobalText(checkpoint, limit, maxBytes)
    : (await store.readGlobal(checkpoint, limit, maxBytes)).map(toChangesetText);

/**
 * The size of a changeset's events and metadata as JSON text, for stores that keep them parsed
 * (`withinBytes`); stores that keep the text measure that instead.
 */
export const serialisedSize = (changeset: Pick<Changeset, 'events' | 'metadata'>): number =>
  serialisedEventsSize(changeset) + JSON.stringify(changeset.metadata).length;

/** `serialisedSize` of the events alone, as `readEvents` measures a changeset. */
export function serialisedEventsSize(changeset: Pick<Changeset, 'events'>): number {
  return JSON.stringify(changeset.events).length;
}

/**
 * The first items that fit a page of `maxBytes`: up to and including the one that brings their
 * total `size` to `maxBytes` or more (all of them when `maxBytes` is not given). Reads `items`
 * only that far, so a store can pass a cursor over rows it has not fetched yet.
 */
export function withinBytes<T>(
  items: Iterable<T>,
  maxBytes: number | undefined,
  size: (item: T, index: number) => number,
): T[] {
  const kept: T[] = [];
  let bytes = 0;
  for (const item of items) {
    kept.push(item);
    if (maxBytes !== undefined && (bytes += size(item, kept.length - 1)) >= maxBytes) break;
  }
  return kept;
}

/** `size` for `readEvents`: the first changeset holding the range counts for nothing. */
export const afterTheFirst =
  <T>(size: (item: T) => number) =>
  (item: T, index: number): number =>
    index === 0 ? 0 : size(item);

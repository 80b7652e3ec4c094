import type {
  Changeset,
  Checkpoint,
  CommitRequest,
  CommitResult,
  EventStore,
  IndexedChangeset,
  ProjectionState,
  Range,
  StreamEvent,
  StreamHead,
} from '../../core/index.js';
import {
  EMPTY_STREAM,
  afterTheFirst,
  createChangeListeners,
  decideCommit,
  followInOrder,
  isForthcoming,
  serialisedEventsSize,
  serialisedSize,
  sliceEvents,
  withinBytes,
} from '../../core/index.js';

export interface MemoryStoreOptions {
  /** The commit clock; tests pin it. Defaults to the system clock. */
  readonly clock?: () => Date;
}

const inRange = (value: number, range: Range): boolean =>
  (range.from === undefined || value >= range.from) &&
  (range.to === undefined || value <= range.to);

/**
 * The reference store: everything in process memory, nothing survives a restart. It defines
 * what the other stores must do, and serves throwaway runs (`EES_DATABASE_URL=memory:`).
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): EventStore {
  const clock = options.clock ?? (() => new Date());
  const streams = new Map<string, IndexedChangeset[]>();
  const global: IndexedChangeset[] = [];
  const projections = new Map<string, ProjectionState>();
  const changes = createChangeListeners();

  const headOf = (changesets: readonly Changeset[] | undefined): StreamHead => {
    const last = changesets?.at(-1);
    return last === undefined
      ? EMPTY_STREAM
      : { lastChangesetId: last.changesetId, lastEventId: last.lastEventId };
  };

  const append = (changeset: IndexedChangeset): void => {
    const existing = streams.get(changeset.streamId);
    if (existing === undefined) streams.set(changeset.streamId, [changeset]);
    else existing.push(changeset);
    global.push(changeset);
  };

  // Everything below runs synchronously between awaits, which makes each commit atomic.
  return {
    capabilities: {
      checkpointsAtCommit: true,
      sharedAcrossProcesses: false,
      checkpointsInCallOrder: true,
    },

    commit(request: CommitRequest): Promise<CommitResult> {
      const existing = streams.get(request.streamId);
      const head = headOf(existing);
      const decision = decideCommit(head, request.expectation, request.events.length);
      if (decision.outcome === 'conflict') {
        const forthcoming = withinBytes(
          (existing ?? []).filter((c) => isForthcoming(request.expectation, c)),
          request.maxForthcomingBytes,
          serialisedSize,
        );
        return Promise.resolve({ status: 'conflict', forthcoming });
      }
      if (decision.outcome === 'ahead') return Promise.resolve({ status: 'ahead', head });
      const changeset: IndexedChangeset = {
        streamId: request.streamId,
        changesetId: decision.changesetId,
        firstEventId: decision.firstEventId,
        lastEventId: decision.lastEventId,
        events: structuredClone(request.events),
        metadata: structuredClone(request.metadata),
        timestamp: request.timestamp ?? clock().toISOString(),
        checkpoint: global.length,
      };
      append(changeset);
      changes.notify([request.streamId]);
      return Promise.resolve({ status: 'committed', changeset });
    },

    appendInOrder(given: readonly Changeset[]): Promise<boolean> {
      if (!followInOrder(given, (streamId) => headOf(streams.get(streamId)))) {
        return Promise.resolve(false);
      }
      for (const changeset of given) {
        append({
          ...changeset,
          events: structuredClone(changeset.events),
          metadata: structuredClone(changeset.metadata),
          checkpoint: global.length,
        });
      }
      if (given.length > 0) changes.notify([...new Set(given.map((c) => c.streamId))]);
      return Promise.resolve(true);
    },

    readChangesets(
      streamId: string,
      range: Range,
      maxBytes?: number,
    ): Promise<Changeset[] | undefined> {
      const changesets = streams.get(streamId)?.filter((c) => inRange(c.changesetId, range));
      return Promise.resolve(changesets && withinBytes(changesets, maxBytes, serialisedSize));
    },

    readEvents(
      streamId: string,
      range: Range,
      maxBytes?: number,
    ): Promise<StreamEvent[] | undefined> {
      const changesets = streams.get(streamId);
      if (changesets === undefined) return Promise.resolve(undefined);
      const holding = changesets.filter(
        (c) =>
          (range.from === undefined || c.lastEventId >= range.from) &&
          (range.to === undefined || c.firstEventId <= range.to),
      );
      return Promise.resolve(
        sliceEvents(withinBytes(holding, maxBytes, afterTheFirst(serialisedEventsSize)), range),
      );
    },

    readGlobal(
      checkpoint: Checkpoint,
      limit: number,
      maxBytes?: number,
    ): Promise<IndexedChangeset[]> {
      const page = global.slice(checkpoint, checkpoint + limit);
      return Promise.resolve(withinBytes(page, maxBytes, serialisedSize));
    },

    readProjection(name: string): Promise<ProjectionState | undefined> {
      return Promise.resolve(projections.get(name));
    },

    writeProjection(
      name: string,
      next: ProjectionState,
      previous: Checkpoint | undefined,
    ): Promise<boolean> {
      if (projections.get(name)?.checkpoint !== previous) return Promise.resolve(false);
      projections.set(name, structuredClone(next));
      return Promise.resolve(true);
    },

    watch: changes.watch,

    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}

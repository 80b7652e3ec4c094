import { commitChangeset, isEesError, nextCheckpoint } from '../../src/core/index.js';
import type {
  CommitRequest,
  Changeset,
  CommitResult,
  EesError,
  EventStore,
  Expectation,
  IndexedChangeset,
  JsonObject,
  StreamEvent,
} from '../../src/core/index.js';
import type { StoreUnderTest } from './harness.js';

export const afterChangeset = (lastChangesetId: number): Expectation => ({
  kind: 'changeset',
  lastChangesetId,
});

export const afterEvent = (lastEventId: number): Expectation => ({ kind: 'event', lastEventId });

/** Commits through the port and the core rule; a rejected expectation throws an `EesError`. */
export function commitEvents(
  store: EventStore,
  streamId: string,
  expectation: Expectation,
  events: readonly JsonObject[],
  metadata: JsonObject = {},
): Promise<Changeset> {
  return commitChangeset(store, { streamId, expectation, events, metadata });
}

/**
 * A raw commit whose result (committed, conflict or ahead) the test inspects; its changesets
 * are made `comparable`.
 */
export async function attemptCommit(
  store: EventStore,
  streamId: string,
  expectation: Expectation,
  events: readonly JsonObject[] = [{ type: 'Attempted' }],
  options: Pick<CommitRequest, 'maxForthcomingBytes'> = {},
): Promise<CommitResult> {
  const result = await store.commit({
    streamId,
    expectation,
    events,
    metadata: { attempt: true },
    ...options,
  });
  switch (result.status) {
    case 'committed':
      return { ...result, changeset: comparable(store)(result.changeset) };
    case 'conflict':
      return { ...result, forthcoming: result.forthcoming.map(comparable(store)) };
    case 'ahead':
      return result;
  }
}

/** The `EesError` a promise rejects with; anything else fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<EesError> {
  const error = await promise.then(
    () => new Error('expected a rejection, the promise resolved'),
    (reason: unknown) => reason,
  );
  if (!isEesError(error)) throw error;
  return error;
}

/** The data of event `eventId` of a stream written by `buildStream`: it names its own position. */
export const countedEvent = (changesetId: number, eventId: number): JsonObject => ({
  type: 'Counted',
  changesetId,
  eventId,
});

/** Event `eventId` of changeset `changesetId` as `readEvents` must return it. */
export const streamEvent = (changesetId: number, eventId: number): StreamEvent => ({
  changesetId,
  eventId,
  data: countedEvent(changesetId, eventId),
});

/** Commits one changeset per entry of `sizes`, that many events each, one after another. */
export async function buildStream(
  store: EventStore,
  streamId: string,
  sizes: readonly number[],
): Promise<Changeset[]> {
  const changesets: Changeset[] = [];
  let lastEventId = 0;
  for (const [index, size] of sizes.entries()) {
    const changesetId = index + 1;
    const events = Array.from({ length: size }, (_, i) =>
      countedEvent(changesetId, lastEventId + 1 + i),
    );
    changesets.push(
      await commitEvents(store, streamId, afterChangeset(index), events, { changesetId }),
    );
    lastEventId += size;
  }
  return changesets;
}

/**
 * A changeset as a test may compare it at any moment: stores that index after the commit
 * return `checkpoint: null` from the commit and a number later, so only stores with
 * `checkpointsAtCommit` are held to the checkpoint here (the enumeration suite checks the rest).
 */
export const comparable =
  (store: EventStore) =>
  (changeset: Changeset): Changeset =>
    store.capabilities.checkpointsAtCommit ? changeset : { ...changeset, checkpoint: null };

/** The whole global enumeration, read page by page after the store has settled. */
export async function readEnumeration(
  { store, settle }: StoreUnderTest,
  pageSize = 1000,
): Promise<IndexedChangeset[]> {
  await settle?.();
  const all: IndexedChangeset[] = [];
  let checkpoint = 0;
  for (;;) {
    const page = await store.readGlobal(checkpoint, pageSize);
    if (page.length === 0) return all;
    all.push(...page);
    const next = nextCheckpoint(checkpoint, page);
    // A store that ignores the checkpoint would otherwise keep this loop going forever.
    if (next <= checkpoint) throw new Error(`readGlobal(${checkpoint}) did not advance`);
    checkpoint = next;
  }
}

/** A changeset's identity, which the enumeration must preserve: its stream and number. */
export const identityOf = (changeset: Changeset): string =>
  JSON.stringify([changeset.streamId, changeset.changesetId]);

/** Sorted identities, so sets of changesets compare regardless of cross-stream order. */
export const sortedIdentities = (changesets: readonly Changeset[]): string[] =>
  changesets.map(identityOf).sort();

/** A copy sorted by identity, so whole changesets compare regardless of cross-stream order. */
export const sortedByIdentity = <C extends Changeset>(changesets: readonly C[]): C[] =>
  [...changesets].sort((x, y) => (identityOf(x) < identityOf(y) ? -1 : 1));

/**
 * Stream `big`: four changesets of one event each, every one taking 1010 characters of events
 * (`[{"p":"…"}]` with 1000 x's) and 508 of metadata (`{"m":"…"}` with 500 y's) as stored JSON
 * text: 1518 in all. What reads bounded in bytes are measured against.
 */
export async function buildSizedStream(store: EventStore): Promise<void> {
  for (let changesetId = 1; changesetId <= 4; changesetId++) {
    await commitEvents(store, 'big', afterChangeset(changesetId - 1), [{ p: 'x'.repeat(1000) }], {
      m: 'y'.repeat(500),
    });
  }
}

import type { StreamHead } from './types.js';

/**
 * What a writer believes the stream's end to be. Concurrency control is mandatory: a commit
 * without an explicit expectation means "the stream must not exist yet" (changeset 0).
 */
export type Expectation =
  | { readonly kind: 'changeset'; readonly lastChangesetId: number }
  | { readonly kind: 'event'; readonly lastEventId: number };

export const NEW_STREAM: Expectation = { kind: 'changeset', lastChangesetId: 0 };

/** The value an expectation names, whichever kind it is. */
export const expectedValue = (expectation: Expectation): number =>
  expectation.kind === 'changeset' ? expectation.lastChangesetId : expectation.lastEventId;

/** The position of the stream's end that an expectation is compared with. */
export const headValue = (head: StreamHead, kind: Expectation['kind']): number =>
  kind === 'changeset' ? head.lastChangesetId : head.lastEventId;

/** What a commit of `eventCount` events writes when its expectation holds. */
export interface PlannedChangeset {
  readonly changesetId: number;
  readonly firstEventId: number;
  readonly lastEventId: number;
}

export type CommitDecision =
  | ({ readonly outcome: 'commit' } & PlannedChangeset)
  /** Someone committed after the expected position: the writer must review what they wrote. */
  | { readonly outcome: 'conflict' }
  /** The expectation names a position the stream has not reached. */
  | { readonly outcome: 'ahead' };

/**
 * The commit rule shared by every store: given the stream's current end, does a commit with
 * this expectation go through, and if so what does it write?
 */
export function decideCommit(
  head: StreamHead,
  expectation: Expectation,
  eventCount: number,
): CommitDecision {
  const expected = expectedValue(expectation);
  const actual = headValue(head, expectation.kind);
  if (expected < actual) return { outcome: 'conflict' };
  if (expected > actual) return { outcome: 'ahead' };
  return planChangeset(head, eventCount);
}

/** The changeset that follows `head`; stores that check the expectation themselves use it. */
export const planChangeset = (
  head: StreamHead,
  eventCount: number,
): { readonly outcome: 'commit' } & PlannedChangeset => ({
  outcome: 'commit',
  changesetId: head.lastChangesetId + 1,
  firstEventId: head.lastEventId + 1,
  lastEventId: head.lastEventId + eventCount,
});

/**
 * Which changesets a conflicting writer gets back: every changeset after the expected one, or,
 * for an event expectation, every changeset holding an event after the expected event.
 */
export const isForthcoming = (
  expectation: Expectation,
  changeset: { readonly changesetId: number; readonly lastEventId: number },
): boolean =>
  expectation.kind === 'changeset'
    ? changeset.changesetId > expectation.lastChangesetId
    : changeset.lastEventId > expectation.lastEventId;

/**
 * Whether `changesets`, appended as given, each follow their stream's end: the stream's
 * previous changeset in the list, or `headOf(streamId)` for its first one there. A changeset
 * follows an end when it is `planChangeset` of it for its own events (which must not be none):
 * the rule of `EventStore.appendInOrder`.
 */
export function followInOrder(
  changesets: readonly {
    readonly streamId: string;
    readonly changesetId: number;
    readonly firstEventId: number;
    readonly lastEventId: number;
    readonly events: readonly unknown[];
  }[],
  headOf: (streamId: string) => StreamHead,
): boolean {
  const heads = new Map<string, StreamHead>();
  for (const changeset of changesets) {
    const head = heads.get(changeset.streamId) ?? headOf(changeset.streamId);
    const planned = planChangeset(head, changeset.events.length);
    if (
      changeset.events.length === 0 ||
      changeset.changesetId !== planned.changesetId ||
      changeset.firstEventId !== planned.firstEventId ||
      changeset.lastEventId !== planned.lastEventId
    ) {
      return false;
    }
    heads.set(changeset.streamId, {
      lastChangesetId: changeset.changesetId,
      lastEventId: changeset.lastEventId,
    });
  }
  return true;
}

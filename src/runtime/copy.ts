import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type {
  Changeset,
  Checkpoint,
  CommitResult,
  EventStore,
  IndexedChangeset,
} from '../core/index.js';

/** How far a copy has come. */
export interface CopyProgress {
  /** Changesets written to the target by this run. */
  readonly copied: number;
  /** Changesets this run found in the target already, identical. */
  readonly alreadyThere: number;
  /** The source checkpoint the copy reads next. */
  readonly position: Checkpoint;
}

export interface CopyOptions {
  /** Changesets read from the source at a time. Default 1000. */
  readonly pageSize?: number;
  /** Bytes of events and metadata read from the source at a time, at most about. Default 4 MiB. */
  readonly maxPageBytes?: number;
  /**
   * Stops the copy: no further changeset is read or committed, the commits in flight finish
   * and are counted, and then the signal's reason is thrown.
   */
  readonly signal?: AbortSignal;
  /** Told after each changeset, or after each page a target takes whole (`appendInOrder`). */
  readonly onProgress?: (progress: CopyProgress) => void;
}

export interface CopyResult extends CopyProgress {
  /** The source checkpoint this run started from: 0, or where an earlier run had stopped. */
  readonly resumedAt: Checkpoint;
}

/** The target holds a changeset that is not the source's: it is not (a start of) a copy. */
export class CopyMismatchError extends Error {
  override readonly name = 'CopyMismatchError';
}

const DEFAULTS = { pageSize: 1000, maxPageBytes: 4 * 1024 * 1024 } as const;

/** Commits kept in flight into a target that orders them as called. */
const COMMITS_IN_FLIGHT = 256;

/** Whether two stored changesets are the same one, checkpoints aside. */
const sameChangeset = (a: Changeset, b: Changeset): boolean =>
  a.streamId === b.streamId &&
  a.changesetId === b.changesetId &&
  a.firstEventId === b.firstEventId &&
  a.lastEventId === b.lastEventId &&
  a.timestamp === b.timestamp &&
  JSON.stringify(a.events) === JSON.stringify(b.events) &&
  JSON.stringify(a.metadata) === JSON.stringify(b.metadata);

const describe = (changeset: Changeset): string =>
  `changeset ${changeset.changesetId} of stream "${changeset.streamId}"`;

/** The changeset at `checkpoint`, if the store's enumeration has it. */
async function changesetAt(
  store: EventStore,
  checkpoint: Checkpoint,
): Promise<IndexedChangeset | undefined> {
  const [changeset] = await store.readGlobal(checkpoint, 1);
  return changeset?.checkpoint === checkpoint ? changeset : undefined;
}

/** The end of a store's enumeration (its next checkpoint): O(log n) one-changeset reads. */
async function enumerationEnd(store: EventStore): Promise<Checkpoint> {
  if ((await changesetAt(store, 0)) === undefined) return 0;
  let present = 0;
  let absent = 1;
  while ((await changesetAt(store, absent)) !== undefined) {
    present = absent;
    absent *= 2;
  }
  while (absent - present > 1) {
    const middle = Math.floor((present + absent) / 2);
    if ((await changesetAt(store, middle)) === undefined) absent = middle;
    else present = middle;
  }
  return absent;
}

/**
 * Where to start: at 0 for an empty target; where an earlier copy stopped when the target's
 * last changeset is the source's at the same checkpoint (as copying in order into an empty
 * store leaves it); otherwise at 0 again, `checking` every changeset already there.
 */
async function resumePoint(
  source: EventStore,
  target: EventStore,
): Promise<{ readonly from: Checkpoint; readonly checking: boolean }> {
  const end = await enumerationEnd(target);
  if (end === 0) return { from: 0, checking: false };
  const [theirs, ours] = await Promise.all([
    changesetAt(source, end - 1),
    changesetAt(target, end - 1),
  ]);
  return theirs !== undefined && ours !== undefined && sameChangeset(theirs, ours)
    ? { from: end, checking: false }
    : { from: 0, checking: true };
}

/**
 * Copies every changeset of `source` into `target`, in the source's global order: each keeps
 * its stream, changeset number, event ids, timestamp, events and metadata, and, in a target
 * that assigns checkpoints in commit order (SQLite, PostgreSQL) and started empty, its
 * checkpoint too, so projections' saved positions stay valid. A target with `appendInOrder`
 * (SQLite, PostgreSQL, memory) takes each page of the source whole, in one transaction; a page
 * it refuses goes one commit at a time, which finds and names what is wrong. Otherwise commits
 * go one at a time, or up to `COMMITS_IN_FLIGHT` at once into a target whose capabilities say
 * it numbers them as called.
 *
 * Each commit expects the changeset before it in its stream, so a copy never overwrites: a
 * changeset the target has already, identical, is counted and passed over (a copy that was
 * stopped can be run again, and goes on where it stopped), and one that differs fails the copy
 * with `CopyMismatchError`, as does a stream whose earlier changesets the target lacks. The
 * source may take commits meanwhile (the copy reads until it reaches the end); the target must
 * not, other than the copy's.
 */
export async function copyStore(
  source: EventStore,
  target: EventStore,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const pageSize = options.pageSize ?? DEFAULTS.pageSize;
  const maxPageBytes = options.maxPageBytes ?? DEFAULTS.maxPageBytes;
  const { signal } = options;
  const { from: resumedAt, checking } = await resumePoint(source, target);
  // A target that orders concurrent commits as called takes many at once, in the source's
  // order still. One by one otherwise, and while checking a target that holds changesets of
  // its own: a commit refused there must stop the copy before the stream's next one goes in.
  const window = target.capabilities.checkpointsInCallOrder && !checking ? COMMITS_IN_FLIGHT : 1;
  let position = resumedAt;
  let copied = 0;
  let alreadyThere = 0;
  const inFlight: {
    readonly changeset: IndexedChangeset;
    readonly result: Promise<CommitResult>;
  }[] = [];

  /** Checks the outcome of the oldest commit in flight. */
  const settleOldest = async (): Promise<void> => {
    const oldest = inFlight.shift();
    if (oldest === undefined) return;
    const { changeset } = oldest;
    const result = await oldest.result;
    if (result.status === 'committed') {
      copied++;
      // The stream's earlier changesets were taken as copied (a resumed copy does not read
      // them again): that they hold as many events shows here.
      if (result.changeset.firstEventId !== changeset.firstEventId) {
        throw new CopyMismatchError(
          `The target numbered the events of ${describe(changeset)} from ${result.changeset.firstEventId}, the source from ${changeset.firstEventId}: its earlier changesets are not the source's.`,
        );
      }
    } else if (result.status === 'ahead') {
      throw new CopyMismatchError(
        `The target lacks the changesets before ${describe(changeset)}: it is not a copy of the source.`,
      );
    } else {
      const there = result.forthcoming[0];
      if (there === undefined || !sameChangeset(there, changeset)) {
        throw new CopyMismatchError(
          `The target holds a different ${describe(changeset)}: it is not a copy of the source.`,
        );
      }
      alreadyThere++;
    }
    position = changeset.checkpoint + 1;
    options.onProgress?.({ copied, alreadyThere, position });
  };

  // The first failure stops the reading and the calling; the commits already in flight are
  // still waited for and counted (each may have gone in), and then the failure is thrown.
  let failure: { readonly error: unknown } | undefined;
  const stopped = (): boolean => signal?.aborted === true;
  try {
    read: for (let next = position; ;) {
      // Stores that work synchronously (SQLite) answer with promises already settled, so the
      // loop would never give the event loop a turn: a Ctrl-C would wait for the end.
      await yieldToEventLoop();
      if (stopped()) break;
      const page = await source.readGlobal(next, pageSize, maxPageBytes);
      const last = page.at(-1);
      if (last === undefined) break;
      // The page goes in after every commit before it has.
      if (target.appendInOrder !== undefined && !checking) {
        while (inFlight.length > 0) await settleOldest();
      }
      if (!checking && (await target.appendInOrder?.(page)) === true) {
        copied += page.length;
        next = position = last.checkpoint + 1;
        options.onProgress?.({ copied, alreadyThere, position });
        continue;
      }
      for (const changeset of page) {
        if (stopped()) break read;
        const result = target.commit({
          streamId: changeset.streamId,
          expectation: { kind: 'changeset', lastChangesetId: changeset.changesetId - 1 },
          events: changeset.events,
          metadata: changeset.metadata,
          timestamp: changeset.timestamp,
          // A conflict's first changeset is all the comparison needs.
          maxForthcomingBytes: 1,
        });
        inFlight.push({ changeset, result });
        if (inFlight.length >= window) await settleOldest();
        next = changeset.checkpoint + 1;
      }
    }
  } catch (error) {
    failure = { error };
  }
  while (inFlight.length > 0) {
    try {
      await settleOldest();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure === undefined && stopped()) failure = { error: signal?.reason };
  if (failure !== undefined) throw failure.error;
  return { copied, alreadyThere, position, resumedAt };
}

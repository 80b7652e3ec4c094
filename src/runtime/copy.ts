import type { Changeset, Checkpoint, EventStore, IndexedChangeset } from '../core/index.js';

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
  /** Stops the copy between two changesets, throwing the signal's reason. */
  readonly signal?: AbortSignal;
  /** Told after each changeset. */
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
 * store leaves it); otherwise at 0 again, every changeset already there being checked.
 */
async function resumePoint(source: EventStore, target: EventStore): Promise<Checkpoint> {
  const end = await enumerationEnd(target);
  if (end === 0) return 0;
  const [theirs, ours] = await Promise.all([
    changesetAt(source, end - 1),
    changesetAt(target, end - 1),
  ]);
  return theirs !== undefined && ours !== undefined && sameChangeset(theirs, ours) ? end : 0;
}

/**
 * Copies every changeset of `source` into `target`, in the source's global order, one commit
 * at a time: each keeps its stream, changeset number, event ids, timestamp, events and
 * metadata, and, in a target that assigns checkpoints in commit order (SQLite, PostgreSQL) and
 * started empty, its checkpoint too, so projections' saved positions stay valid.
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
  const resumedAt = await resumePoint(source, target);
  let position = resumedAt;
  let copied = 0;
  let alreadyThere = 0;

  for (;;) {
    signal?.throwIfAborted();
    const page = await source.readGlobal(position, pageSize, maxPageBytes);
    if (page.length === 0) break;
    for (const changeset of page) {
      signal?.throwIfAborted();
      const result = await target.commit({
        streamId: changeset.streamId,
        expectation: { kind: 'changeset', lastChangesetId: changeset.changesetId - 1 },
        events: changeset.events,
        metadata: changeset.metadata,
        timestamp: changeset.timestamp,
        // A conflict's first changeset is all the comparison needs.
        maxForthcomingBytes: 1,
      });
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
    }
  }
  return { copied, alreadyThere, position, resumedAt };
}

import type {
  Checkpoint,
  EventStore,
  IndexedChangeset,
  IndexedChangesetText,
} from '../core/index.js';
import { readGlobalText } from '../core/index.js';
import { watchChanges } from './changes.js';

/** Read through a call: TypeScript would otherwise keep its narrowing across awaits. */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

export interface FollowOptions {
  /** Ends the iteration (between changesets). */
  readonly signal: AbortSignal;
  /** Changesets read per store query. */
  readonly pageSize: number;
  /**
   * Bytes of events and metadata read per query, about (see `EventStore.readGlobal` and
   * `readChangesets`); unbounded when not given.
   */
  readonly maxPageBytes?: number;
  /**
   * The safety-net poll while idle: commits made by another process that shares a SQLite file
   * send no wake-up, so subscribers also look on their own this often.
   */
  readonly pollIntervalMs: number;
}

/**
 * Every changeset of every stream from `checkpoint` on: first what is stored, then each new one
 * as it becomes readable, in checkpoint order, until the signal aborts. Built on the global
 * enumeration, so it resumes from any checkpoint and never skips or repeats one. It reads only
 * when the consumer asks for more, so a slow consumer makes it wait rather than buffer.
 */
export const followGlobal = (
  store: EventStore,
  checkpoint: Checkpoint,
  options: FollowOptions,
): AsyncGenerator<IndexedChangeset> =>
  follow(store, checkpoint, options, (next, limit) =>
    store.readGlobal(next, limit, options.maxPageBytes),
  );

/** `followGlobal` with each changeset's events and metadata as stored JSON text. */
export const followGlobalText = (
  store: EventStore,
  checkpoint: Checkpoint,
  options: FollowOptions,
): AsyncGenerator<IndexedChangesetText> =>
  follow(store, checkpoint, options, (next, limit) =>
    readGlobalText(store, next, limit, options.maxPageBytes),
  );

async function* follow<T extends { readonly checkpoint: Checkpoint }>(
  store: EventStore,
  checkpoint: Checkpoint,
  options: FollowOptions,
  readPage: (checkpoint: Checkpoint, limit: number) => Promise<readonly T[]>,
): AsyncGenerator<T> {
  const { signal, pageSize, pollIntervalMs } = options;
  const changes = watchChanges(store, undefined);
  try {
    let next = checkpoint;
    while (!signal.aborted) {
      changes.reset();
      const page = await readPage(next, pageSize);
      for (const changeset of page) {
        // Checked again: the signal may have aborted while the read was in flight.
        if (isAborted(signal)) return;
        yield changeset;
        next = changeset.checkpoint + 1;
      }
      // A page cut short by its size is no sign of the end; only an empty one is.
      if (page.length === 0) await changes.wait(pollIntervalMs, signal);
    }
  } finally {
    changes.close();
  }
}

/**
 * One stream's changesets from changeset `changesetId` on, catching up then live, each once
 * it has its checkpoint (stores that index after the commit deliver it once indexed), so a
 * message carries the same data as on the global channel. A stream that does not exist yet is
 * waited for.
 */
export async function* followStream(
  store: EventStore,
  streamId: string,
  changesetId: number,
  options: FollowOptions,
): AsyncGenerator<IndexedChangeset> {
  const { signal, pageSize, pollIntervalMs } = options;
  const changes = watchChanges(store, streamId);
  try {
    let next = Math.max(changesetId, 1);
    while (!signal.aborted) {
      changes.reset();
      const range = { from: next, to: next + pageSize - 1 };
      const page = (await store.readChangesets(streamId, range, options.maxPageBytes)) ?? [];
      // A page cut short by its count or its size is no sign of the end; only an empty one is.
      let more = page.length > 0;
      for (const changeset of page) {
        // Checked again: the signal may have aborted while the read was in flight.
        if (isAborted(signal)) return;
        if (changeset.checkpoint === null) {
          more = false;
          break;
        }
        yield { ...changeset, checkpoint: changeset.checkpoint };
        next = changeset.changesetId + 1;
      }
      if (!more) await changes.wait(pollIntervalMs, signal);
    }
  } finally {
    changes.close();
  }
}

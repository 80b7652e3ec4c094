import type { Checkpoint, EventStore, ProjectionState, Statistics } from '../core/index.js';
import {
  EMPTY_STATISTICS,
  STATISTICS_PROJECTION,
  foldStatistics,
  nextCheckpoint,
} from '../core/index.js';
import type { PeriodicTask } from '../scheduling/periodic.js';
import { runPeriodically } from '../scheduling/periodic.js';

/** How many changesets one read of the global enumeration asks for by default. */
export const DEFAULT_STATISTICS_PAGE_SIZE = 500;

/**
 * About how many bytes of events and metadata one read holds at most, so that a store of large
 * changesets does not put 500 of them (200 MB at 400 KiB each) in memory at once.
 */
export const STATISTICS_PAGE_BYTES = 4 * 1024 * 1024;

export interface CatchUpOptions {
  /** Changesets per read of the global enumeration; progress is saved after each page. */
  readonly pageSize?: number;
  /**
   * Ends the pass after the page in progress has been saved: shutting down must not wait for a
   * catch-up over a large store, and stopping between pages loses nothing.
   */
  readonly signal?: AbortSignal;
}

const isCount = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0;

/** Persisted state comes back as `unknown`: refuse to fold onto something that is not ours. */
function asStatistics(state: unknown): Statistics {
  const candidate = state as Partial<Record<keyof Statistics, unknown>> | null;
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    isCount(candidate.totalStreams) &&
    isCount(candidate.totalChangesets) &&
    isCount(candidate.totalEvents) &&
    isCount(candidate.maxStreamLength)
  ) {
    return candidate as Statistics;
  }
  throw new Error(`The persisted "${STATISTICS_PROJECTION}" projection state is not statistics.`);
}

/** Where the projection stands, as persisted; `saved` is `undefined` before its first write. */
interface Position {
  readonly saved: Checkpoint | undefined;
  readonly progress: ProjectionState<Statistics>;
}

async function readPosition(store: EventStore): Promise<Position> {
  const persisted = await store.readProjection(STATISTICS_PROJECTION);
  return persisted === undefined
    ? { saved: undefined, progress: { checkpoint: 0, state: EMPTY_STATISTICS } }
    : {
        saved: persisted.checkpoint,
        progress: { checkpoint: persisted.checkpoint, state: asStatistics(persisted.state) },
      };
}

/**
 * Folding a page is only exact when it continues right where the projection stopped: a gap
 * or a repeat would miscount silently, so it stops the pass instead.
 */
function assertContiguous(from: Checkpoint, page: readonly { readonly checkpoint: Checkpoint }[]) {
  page.forEach((changeset, index) => {
    if (changeset.checkpoint !== from + index) {
      throw new Error(
        `The global enumeration returned checkpoint ${changeset.checkpoint} where ${from + index} was expected.`,
      );
    }
  });
}

/**
 * Brings the statistics projection up to the end of the global enumeration and returns where
 * it ended. The persisted checkpoint is the *next* checkpoint to read, which makes it equal to
 * the number of changesets counted (the contract's `statistics_version`).
 *
 * Every page is saved with a compare-and-set on the checkpoint it was read from, so runners
 * racing each other (two processes on one PostgreSQL database, or a pass overlapping a
 * restart) never count a changeset twice: the loser re-reads the winner's progress and goes on
 * from there. An empty store is still written once, so `GET /streams` answers zeros instead
 * of "not yet generated" after the first pass.
 *
 * @example
 * const { checkpoint, state } = await catchUpStatistics(store, { pageSize: 100 });
 */
export async function catchUpStatistics(
  store: EventStore,
  options: CatchUpOptions = {},
): Promise<ProjectionState<Statistics>> {
  const pageSize = options.pageSize ?? DEFAULT_STATISTICS_PAGE_SIZE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}.`);
  }
  let position = await readPosition(store);
  for (;;) {
    const { saved, progress } = position;
    if (options.signal?.aborted === true) return progress;
    const page = await store.readGlobal(progress.checkpoint, pageSize, STATISTICS_PAGE_BYTES);
    if (page.length === 0 && saved !== undefined) return progress;
    assertContiguous(progress.checkpoint, page);
    const next: ProjectionState<Statistics> = {
      checkpoint: nextCheckpoint(progress.checkpoint, page),
      state: foldStatistics(progress.state, page),
    };
    if (await store.writeProjection(STATISTICS_PROJECTION, next, saved)) {
      if (page.length === 0) return next;
      position = { saved: next.checkpoint, progress: next };
    } else {
      // Another runner saved first; its progress already counts what we just read.
      position = await readPosition(store);
    }
  }
}

export interface StatisticsProjectorOptions extends Omit<CatchUpOptions, 'signal'> {
  /** Pause between passes, in milliseconds. */
  readonly intervalMs: number;
  /** Told about a failed pass (a store outage, say); the projector keeps running. */
  readonly onError: (error: unknown) => void;
}

/**
 * Keeps the statistics projection current: one catch-up pass now, then one every
 * `intervalMs` after the previous pass ended. Passes never overlap; `stop` ends the pass in
 * progress after its current page is saved and waits for that, so the store can be closed
 * right after it resolves.
 *
 * @example
 * const projector = startStatisticsProjector(store, { intervalMs: 60_000, onError: log });
 * await projector.stop();
 */
export function startStatisticsProjector(
  store: EventStore,
  options: StatisticsProjectorOptions,
): PeriodicTask {
  const pass = (signal: AbortSignal) =>
    catchUpStatistics(store, { pageSize: options.pageSize, signal });
  // With several instances on one store, one of them runs the pass and the others skip it (the
  // compare-and-set save would keep their totals right anyway; this saves the duplicate work).
  return runPeriodically(
    (signal) =>
      store.runExclusive
        ? store.runExclusive(STATISTICS_PROJECTION, () => pass(signal))
        : pass(signal),
    options,
  );
}

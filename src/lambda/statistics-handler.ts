import type { Context } from 'aws-lambda';
import type { EventStore, ProjectionState, Statistics } from '../core/index.js';
import { catchUpStatistics } from '../projections/index.js';

export interface StatisticsHandlerOptions {
  readonly store: EventStore;
  /** Changesets per read of the enumeration; default the projector's. */
  readonly pageSize?: number;
  /**
   * How long before the function's timeout the pass stops (after saving the page in progress),
   * so that it ends on its own rather than being cut mid-page. Default 10 s.
   */
  readonly stopBeforeTimeoutMs?: number;
}

const DEFAULT_STOP_BEFORE_TIMEOUT_MS = 10_000;

/**
 * The scheduled statistics function: one catch-up pass of the statistics projector per
 * invocation (EventBridge, every minute), resolving with where it ended.
 *
 * A pass over a large backlog may not finish within one invocation: it stops in time and the
 * next run goes on from the saved checkpoint. Two passes that overlap (a slow run still going
 * when the next minute starts) are safe: the projector saves with a compare-and-set and never
 * counts a changeset twice.
 *
 * @example
 * export const handler = createStatisticsHandler({ store });
 */
export function createStatisticsHandler(
  options: StatisticsHandlerOptions,
): (
  event: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<ProjectionState<Statistics>> {
  const margin = options.stopBeforeTimeoutMs ?? DEFAULT_STOP_BEFORE_TIMEOUT_MS;
  return async (_event, context) => {
    const stop = new AbortController();
    const delay = context === undefined ? Infinity : context.getRemainingTimeInMillis() - margin;
    if (delay <= 0) stop.abort();
    const timer =
      Number.isFinite(delay) && delay > 0
        ? setTimeout(() => {
            stop.abort();
          }, delay)
        : undefined;
    try {
      return await catchUpStatistics(options.store, {
        pageSize: options.pageSize,
        signal: stop.signal,
      });
    } finally {
      clearTimeout(timer);
    }
  };
}

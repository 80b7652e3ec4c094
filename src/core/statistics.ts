import type { Changeset } from './types.js';

/** Totals over every stream, as folded from the global enumeration. */
export interface Statistics {
  readonly totalStreams: number;
  readonly totalChangesets: number;
  readonly totalEvents: number;
  /** The most changesets any one stream holds. */
  readonly maxStreamLength: number;
}

export const EMPTY_STATISTICS: Statistics = {
  totalStreams: 0,
  totalChangesets: 0,
  totalEvents: 0,
  maxStreamLength: 0,
};

/**
 * Folds changesets into the totals. Each changeset must be folded exactly once; the
 * enumeration's gapless checkpoints are what make that possible.
 */
export const foldStatistics = (
  statistics: Statistics,
  changesets: readonly Pick<Changeset, 'changesetId' | 'events'>[],
): Statistics =>
  changesets.reduce<Statistics>(
    (totals, changeset) => ({
      // A stream comes into being with its first changeset.
      totalStreams: totals.totalStreams + (changeset.changesetId === 1 ? 1 : 0),
      totalChangesets: totals.totalChangesets + 1,
      totalEvents: totals.totalEvents + changeset.events.length,
      maxStreamLength: Math.max(totals.maxStreamLength, changeset.changesetId),
    }),
    statistics,
  );

/** The name under which stores persist the statistics projection's progress. */
export const STATISTICS_PROJECTION = 'statistics';

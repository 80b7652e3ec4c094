import { describe, expect, it } from 'vitest';
import { EMPTY_STATISTICS, foldStatistics } from '../../src/core/index.js';

const changeset = (changesetId: number, eventCount: number) => ({
  changesetId,
  events: Array.from({ length: eventCount }, () => ({})),
});

describe('foldStatistics', () => {
  it('starts empty', () => {
    expect(EMPTY_STATISTICS).toEqual({
      totalStreams: 0,
      totalChangesets: 0,
      totalEvents: 0,
      maxStreamLength: 0,
    });
    expect(foldStatistics(EMPTY_STATISTICS, [])).toEqual(EMPTY_STATISTICS);
  });

  it('counts streams by their first changeset, and changesets, events and the longest stream', () => {
    // Stream a: 1, 2, 3; stream b: 1, 2; stream c: 1, in enumeration order.
    const page = [
      changeset(1, 2),
      changeset(1, 1),
      changeset(2, 3),
      changeset(1, 1),
      changeset(2, 1),
      changeset(3, 4),
    ];
    expect(foldStatistics(EMPTY_STATISTICS, page)).toEqual({
      totalStreams: 3,
      totalChangesets: 6,
      totalEvents: 12,
      maxStreamLength: 3,
    });
  });

  it('folds page by page to the same totals', () => {
    const first = foldStatistics(EMPTY_STATISTICS, [changeset(1, 2), changeset(2, 2)]);
    expect(foldStatistics(first, [changeset(1, 5), changeset(3, 1)])).toEqual({
      totalStreams: 2,
      totalChangesets: 4,
      totalEvents: 10,
      maxStreamLength: 3,
    });
  });
});

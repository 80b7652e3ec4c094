import { describe, expect, it } from 'vitest';
import { sliceEvents } from '../../src/core/index.js';

// Changeset 2 holds events 3, 4, 5; changeset 3 holds event 6.
const changesets = [
  { changesetId: 2, firstEventId: 3, events: [{ e: 3 }, { e: 4 }, { e: 5 }] },
  { changesetId: 3, firstEventId: 6, events: [{ e: 6 }] },
];

const event = (changesetId: number, eventId: number) => ({
  changesetId,
  eventId,
  data: { e: eventId },
});

describe('sliceEvents', () => {
  it('an open range returns every event with its changeset and id', () => {
    expect(sliceEvents(changesets, {})).toEqual([
      event(2, 3),
      event(2, 4),
      event(2, 5),
      event(3, 6),
    ]);
  });

  it('a range may start and end inside a changeset', () => {
    expect(sliceEvents(changesets, { from: 4, to: 4 })).toEqual([event(2, 4)]);
    expect(sliceEvents(changesets, { from: 4 })).toEqual([event(2, 4), event(2, 5), event(3, 6)]);
    expect(sliceEvents(changesets, { to: 4 })).toEqual([event(2, 3), event(2, 4)]);
    expect(sliceEvents(changesets, { from: 5, to: 6 })).toEqual([event(2, 5), event(3, 6)]);
  });

  it('a range outside the changesets is empty', () => {
    expect(sliceEvents(changesets, { from: 7 })).toEqual([]);
    expect(sliceEvents(changesets, { from: 0, to: 2 })).toEqual([]);
    expect(sliceEvents([], {})).toEqual([]);
  });
});

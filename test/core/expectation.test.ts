import { describe, expect, it } from 'vitest';
import {
  EMPTY_STREAM,
  NEW_STREAM,
  decideCommit,
  expectedValue,
  headValue,
  isForthcoming,
  planChangeset,
} from '../../src/core/index.js';
import type { Expectation } from '../../src/core/index.js';

const changeset = (lastChangesetId: number): Expectation => ({
  kind: 'changeset',
  lastChangesetId,
});
const event = (lastEventId: number): Expectation => ({ kind: 'event', lastEventId });

// Three changesets holding events 1..7.
const head = { lastChangesetId: 3, lastEventId: 7 };

describe('decideCommit', () => {
  it('commits when a changeset expectation names the last changeset', () => {
    expect(decideCommit(head, changeset(3), 2)).toEqual({
      outcome: 'commit',
      changesetId: 4,
      firstEventId: 8,
      lastEventId: 9,
    });
  });

  it('commits when an event expectation names the last event', () => {
    expect(decideCommit(head, event(7), 1)).toEqual({
      outcome: 'commit',
      changesetId: 4,
      firstEventId: 8,
      lastEventId: 8,
    });
  });

  it.each([changeset(0), changeset(2)])('a changeset expectation behind conflicts: %o', (e) => {
    expect(decideCommit(head, e, 1)).toEqual({ outcome: 'conflict' });
  });

  it.each([event(0), event(3), event(6)])('an event expectation behind conflicts: %o', (e) => {
    expect(decideCommit(head, e, 1)).toEqual({ outcome: 'conflict' });
  });

  it.each([changeset(4), changeset(7), event(8), event(100)])('ahead: %o', (e) => {
    expect(decideCommit(head, e, 1)).toEqual({ outcome: 'ahead' });
  });

  it('the implicit expectation creates a new stream and conflicts on an existing one', () => {
    expect(decideCommit(EMPTY_STREAM, NEW_STREAM, 3)).toEqual({
      outcome: 'commit',
      changesetId: 1,
      firstEventId: 1,
      lastEventId: 3,
    });
    expect(decideCommit(head, NEW_STREAM, 3)).toEqual({ outcome: 'conflict' });
  });

  it('an event expectation of 0 creates a new stream', () => {
    expect(decideCommit(EMPTY_STREAM, event(0), 1)).toMatchObject({ outcome: 'commit' });
  });

  it('any positive expectation on a missing stream is ahead', () => {
    expect(decideCommit(EMPTY_STREAM, changeset(1), 1)).toEqual({ outcome: 'ahead' });
    expect(decideCommit(EMPTY_STREAM, event(1), 1)).toEqual({ outcome: 'ahead' });
  });
});

describe('planChangeset', () => {
  it('follows the head', () => {
    expect(planChangeset(head, 4)).toEqual({
      outcome: 'commit',
      changesetId: 4,
      firstEventId: 8,
      lastEventId: 11,
    });
    expect(planChangeset(EMPTY_STREAM, 1)).toEqual({
      outcome: 'commit',
      changesetId: 1,
      firstEventId: 1,
      lastEventId: 1,
    });
  });
});

describe('isForthcoming', () => {
  // Changeset 2 holds events 3..5.
  const second = { changesetId: 2, lastEventId: 5 };

  it('for a changeset expectation: every changeset after the expected one', () => {
    expect([0, 1, 2, 3].map((n) => isForthcoming(changeset(n), second))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('for an event expectation: every changeset holding an event after the expected one', () => {
    expect([2, 3, 4, 5, 6].map((n) => isForthcoming(event(n), second))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('expectedValue and headValue', () => {
  it('read the position an expectation names and the one it is compared with', () => {
    expect([
      expectedValue(changeset(4)),
      expectedValue(event(9)),
      expectedValue(NEW_STREAM),
    ]).toEqual([4, 9, 0]);
    expect([headValue(head, 'changeset'), headValue(head, 'event')]).toEqual([3, 7]);
  });
});

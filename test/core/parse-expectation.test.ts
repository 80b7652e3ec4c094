import { describe, expect, it } from 'vitest';
import { EesError, NEW_STREAM, parseExpectation } from '../../src/core/index.js';

type Params = Parameters<typeof parseExpectation>[1];

/** The error `parseExpectation` throws, as code, message and stream. */
function failure(params: Params): [string, string, string | undefined] {
  try {
    parseExpectation('order-1', params);
  } catch (error) {
    if (error instanceof EesError) return [error.code, error.message, error.streamId];
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(params)}`);
}

const INVALID = [
  '-1',
  '1.5',
  'abc',
  '1e3',
  ' 1',
  '1 ',
  '+1',
  '0x10',
  '9007199254740993',
  '1'.repeat(40),
];

describe('parseExpectation', () => {
  it('neither parameter means a new stream', () => {
    expect(
      parseExpectation('s', { expectedLastChangeset: undefined, expectedLastEvent: undefined }),
    ).toEqual(NEW_STREAM);
  });

  it('both empty strings mean a new stream', () => {
    expect(parseExpectation('s', { expectedLastChangeset: '', expectedLastEvent: '' })).toEqual({
      kind: 'changeset',
      lastChangesetId: 0,
    });
  });

  it('one empty and the other set uses the one set', () => {
    expect(parseExpectation('s', { expectedLastChangeset: '', expectedLastEvent: '7' })).toEqual({
      kind: 'event',
      lastEventId: 7,
    });
    expect(parseExpectation('s', { expectedLastChangeset: '3', expectedLastEvent: '' })).toEqual({
      kind: 'changeset',
      lastChangesetId: 3,
    });
  });

  it('reads either kind, including 0 and the largest exact integer', () => {
    expect(
      parseExpectation('s', { expectedLastChangeset: '0', expectedLastEvent: undefined }),
    ).toEqual({
      kind: 'changeset',
      lastChangesetId: 0,
    });
    expect(
      parseExpectation('s', {
        expectedLastChangeset: undefined,
        expectedLastEvent: '9007199254740991',
      }),
    ).toEqual({ kind: 'event', lastEventId: 9007199254740991 });
  });

  it('both set is rejected with the contract message', () => {
    expect(failure({ expectedLastChangeset: '1', expectedLastEvent: '2' })).toEqual([
      'BOTH_EXPECTED_CHANGESET_AND_EVENT_ARE_SET',
      'Cannot use both "last_changeset_id" and "last_event_id" for concurrency management. Specify only one value.',
      'order-1',
    ]);
    // Checked before either value is validated.
    expect(failure({ expectedLastChangeset: 'x', expectedLastEvent: 'y' })[0]).toBe(
      'BOTH_EXPECTED_CHANGESET_AND_EVENT_ARE_SET',
    );
  });

  it.each(INVALID)('an invalid changeset value %j is rejected with the raw value', (raw) => {
    expect(failure({ expectedLastChangeset: raw, expectedLastEvent: undefined })).toEqual([
      'INVALID_EXPECTED_CHANGESET_ID',
      `The specified expected changeset id("${raw}") is invalid. Expected a positive integer.`,
      'order-1',
    ]);
  });

  it.each(INVALID)('an invalid event value %j is rejected with the raw value', (raw) => {
    expect(failure({ expectedLastChangeset: '', expectedLastEvent: raw })).toEqual([
      'INVALID_EXPECTED_EVENT_ID',
      `The specified expected event id("${raw}") is invalid. Expected a positive integer.`,
      'order-1',
    ]);
  });
});

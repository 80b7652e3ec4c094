import { describe, expect, it } from 'vitest';
import { EesError, parseStreamRange } from '../../src/core/index.js';

type Target = Parameters<typeof parseStreamRange>[1];
type Params = Parameters<typeof parseStreamRange>[2];

function failure(target: Target, params: Params): [string, string, string | undefined] {
  try {
    parseStreamRange('s/1', target, params);
  } catch (error) {
    if (error instanceof EesError) return [error.code, error.message, error.streamId];
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(params)}`);
}

const CODES = [
  ['changeset', 'INVALID_CHANGESET_FILTERING_PARAMS'],
  ['event', 'INVALID_EVENT_FILTERING_PARAMS'],
] as const;

describe('parseStreamRange', () => {
  it('absent and empty bounds are open', () => {
    expect(parseStreamRange('s', 'changeset', { from: undefined, to: undefined })).toEqual({
      from: undefined,
      to: undefined,
    });
    expect(parseStreamRange('s', 'event', { from: '', to: '' })).toEqual({
      from: undefined,
      to: undefined,
    });
  });

  it('reads each bound alone or both, inclusive and equal allowed', () => {
    expect(parseStreamRange('s', 'event', { from: '2', to: undefined })).toEqual({
      from: 2,
      to: undefined,
    });
    expect(parseStreamRange('s', 'event', { from: '', to: '9' })).toEqual({
      from: undefined,
      to: 9,
    });
    expect(parseStreamRange('s', 'changeset', { from: '0', to: '0' })).toEqual({ from: 0, to: 0 });
    expect(parseStreamRange('s', 'changeset', { from: '4', to: '4' })).toEqual({ from: 4, to: 4 });
  });

  it.each(CODES)('a bound that is not a non-negative integer (%s)', (target, code) => {
    const message = 'The filtering params(from, to) have to be positive integer values';
    for (const raw of ['-1', '1.5', 'abc', '1e3', ' 2', '99999999999999999999']) {
      expect(failure(target, { from: raw, to: undefined })).toEqual([code, message, 's/1']);
      expect(failure(target, { from: '1', to: raw })).toEqual([code, message, 's/1']);
    }
  });

  it.each(CODES)('from > to (%s)', (target, code) => {
    expect(failure(target, { from: '10', to: '3' })).toEqual([
      code,
      'The higher boundary cannot be lower than the lower boundary: 10(from) > 3(to)',
      's/1',
    ]);
    // Leading zeros are digits too: the message shows the parsed values.
    expect(failure(target, { from: '007', to: '06' })[1]).toBe(
      'The higher boundary cannot be lower than the lower boundary: 7(from) > 6(to)',
    );
  });
});

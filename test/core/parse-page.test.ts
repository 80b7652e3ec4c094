import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_LIMIT, EesError, parsePage } from '../../src/core/index.js';

function failure(params: Parameters<typeof parsePage>[0]): [string, string] {
  try {
    parsePage(params);
  } catch (error) {
    if (error instanceof EesError) return [error.code, error.message];
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(params)}`);
}

describe('parsePage', () => {
  it('defaults to checkpoint 0 and limit 10', () => {
    expect(DEFAULT_PAGE_LIMIT).toBe(10);
    expect(parsePage({ checkpoint: undefined, limit: undefined })).toEqual({
      checkpoint: 0,
      limit: 10,
    });
    expect(parsePage({ checkpoint: '', limit: '' })).toEqual({ checkpoint: 0, limit: 10 });
  });

  it('reads given values', () => {
    expect(parsePage({ checkpoint: '42', limit: '1' })).toEqual({ checkpoint: 42, limit: 1 });
    expect(parsePage({ checkpoint: '0', limit: '1000' })).toEqual({ checkpoint: 0, limit: 1000 });
  });

  it.each(['-1', '1.5', 'abc', '1e3', ' 1', '99999999999999999999'])(
    'an invalid checkpoint %j is rejected with the raw value',
    (raw) => {
      expect(failure({ checkpoint: raw, limit: undefined })).toEqual([
        'INVALID_CHECKPOINT',
        `"${raw}" is an invalid checkpoint value. Expected a positive integer value.`,
      ]);
    },
  );

  it.each(['0', '00', '-1', '2.5', 'ten', '1e1'])(
    'an invalid limit %j is rejected with the raw value',
    (raw) => {
      expect(failure({ checkpoint: '3', limit: raw })).toEqual([
        'INVALID_LIMIT',
        `"${raw}" is an invalid limit value. Expected an integer value greater than 0.`,
      ]);
    },
  );
});

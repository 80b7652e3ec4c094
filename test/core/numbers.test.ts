import { describe, expect, it } from 'vitest';
import { parseNonNegativeInteger } from '../../src/core/index.js';

describe('parseNonNegativeInteger', () => {
  it.each([
    ['0', 0],
    ['7', 7],
    ['007', 7],
    ['123456', 123456],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('reads %j as %d', (raw, value) => {
    expect(parseNonNegativeInteger(raw)).toBe(value);
  });

  it.each([
    '',
    '-1',
    '-0',
    '+1',
    '1.5',
    '1.0',
    '1e3',
    ' 1',
    '1 ',
    '0x1',
    'abc',
    '١',
    '9007199254740992',
    '1'.repeat(400),
  ])('rejects %j', (raw) => {
    expect(parseNonNegativeInteger(raw)).toBeUndefined();
  });
});

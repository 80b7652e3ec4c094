import { describe, expect, it } from 'vitest';
import { findInexactNumber, holdsExactly } from '../../src/http/exact-numbers.js';

describe('holdsExactly', () => {
  it.each([
    '0',
    '-0',
    '0.0',
    '1.0',
    '1E2',
    '1e+2',
    '100e-2',
    '0.1',
    '123456789012345',
    '9007199254740991',
    '9007199254740992',
    '1e21',
    '5e-324',
    '1.7976931348623157e308',
    '0e99999',
  ])('%s: a float keeps it', (token) => {
    expect(holdsExactly(token)).toBe(true);
  });

  it.each([
    '9007199254740993',
    // 2^60: the float is exact, but prints as 1152921504606847000
    '1152921504606846976',
    '12345678901234567890',
    '1.2345678901234567891',
    '0.10000000000000000001',
    '1e400',
    '-1e400',
    '1e-400',
    '2e-324',
  ])('%s: a float changes it', (token) => {
    expect(holdsExactly(token)).toBe(false);
  });
});

describe('findInexactNumber', () => {
  it('finds the event holding the number, however deep', () => {
    expect(
      findInexactNumber(
        '{"events":[{"a":1},{"b":[2,{"c":3}]},{"d":{"e":[1,12345678901234567890]}}]}',
      ),
    ).toEqual({ in: 'events', index: 2, number: '12345678901234567890' });
  });

  it('finds one in the metadata', () => {
    expect(findInexactNumber('{"metadata":{"n":1e999},"events":[{"a":1}]}')).toEqual({
      in: 'metadata',
      number: '1e999',
    });
  });

  it('ignores digits inside strings, escapes included', () => {
    expect(
      findInexactNumber('{"events":[{"a":"12345678901234567890","b\\"1e400":"\\"1e-999"}]}'),
    ).toBeUndefined();
  });

  it('ignores fields the store does not keep', () => {
    expect(findInexactNumber('{"other":{"n":1e400},"events":[{"a":1}]}')).toBeUndefined();
  });

  it('looks only at the occurrence of a key that JSON.parse keeps: the last', () => {
    const body = (first: string, last: string) =>
      `{"events":[{"n":${first}}],"events":[{"n":${last}}]}`;
    expect(findInexactNumber(body('1e400', '1'))).toBeUndefined();
    expect(findInexactNumber(body('1', '1e400'))).toEqual({
      in: 'events',
      index: 0,
      number: '1e400',
    });
  });

  it('knows a key however it is escaped', () => {
    expect(findInexactNumber('{"ev\\u0065nts":[{"n":1e400}]}')).toEqual({
      in: 'events',
      index: 0,
      number: '1e400',
    });
  });

  it('agrees with JSON.parse on every number of a body', () => {
    const numbers = ['1', '-2.5', '1e308', '9007199254740993', '3.14159265358979323846', '1e-5'];
    for (const number of numbers) {
      const text = `{"events":[{"n":${number}}]}`;
      const parsed = (JSON.parse(text) as { events: [{ n: number }] }).events[0].n;
      const kept = String(parsed) === String(Number(number)) && holdsExactly(number);
      expect(findInexactNumber(text) === undefined).toBe(kept);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { nextCheckpoint } from '../../src/core/index.js';

describe('nextCheckpoint', () => {
  it('continues after the last checkpoint of the page', () => {
    expect(nextCheckpoint(4, [{ checkpoint: 4 }, { checkpoint: 5 }, { checkpoint: 6 }])).toBe(7);
    expect(nextCheckpoint(0, [{ checkpoint: 0 }])).toBe(1);
  });

  it('stays where it started when the page is empty', () => {
    expect(nextCheckpoint(0, [])).toBe(0);
    expect(nextCheckpoint(12, [])).toBe(12);
  });
});

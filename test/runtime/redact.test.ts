import { describe, expect, it } from 'vitest';
import { redactPassword } from '../../src/runtime/redact.js';

describe('redactPassword', () => {
  it.each([
    ['postgres://u:secret@h/db', 'postgres://u:***@h/db'],
    ['postgresql://u:s%40cret@h:5432/db?schema=x', 'postgresql://u:***@h:5432/db?schema=x'],
    [
      'postgres://u@h/db?password=secret&sslmode=require',
      'postgres://u@h/db?password=***&sslmode=require',
    ],
    ['postgres://u@h/db', 'postgres://u@h/db'],
  ])('%s → %s', (url, redacted) => {
    expect(redactPassword(url)).toBe(redacted);
  });
});

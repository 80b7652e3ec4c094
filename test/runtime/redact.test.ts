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
    // A raw "@" in the password: drivers read the password up to the last "@".
    ['postgres://ees:S3c@retPW@h:5432/db', 'postgres://ees:***@h:5432/db'],
    [
      'dynamodb://t?region=x&endpoint=http://key:secret@127.0.0.1:8000',
      'dynamodb://t?region=x&endpoint=http://key:***@127.0.0.1:8000',
    ],
    [
      'invalid "postgres://a:b@h/db ": surrounding spaces',
      'invalid "postgres://a:***@h/db ": surrounding spaces',
    ],
  ])('%s → %s', (url, redacted) => {
    expect(redactPassword(url)).toBe(redacted);
  });
});

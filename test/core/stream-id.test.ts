import { describe, expect, it } from 'vitest';
import { EesError, checkStreamId, utf8Length } from '../../src/core/index.js';

const utf8 = new TextEncoder();

describe('utf8Length', () => {
  it.each(['', 'a', 'é', '€', '😀', 'a/b c', 'ü😀€x', '\ud800', 'x\udc00y'])(
    'counts %j as TextEncoder encodes it',
    (text) => {
      expect(utf8Length(text)).toBe(utf8.encode(text).byteLength);
    },
  );
});

describe('checkStreamId', () => {
  it('accepts ids up to the limit in UTF-8 bytes', () => {
    expect(checkStreamId('a'.repeat(1024), 1024)).toBe('a'.repeat(1024));
    expect(checkStreamId('€'.repeat(341), 1024)).toBe('€'.repeat(341)); // 1023 bytes
    expect(checkStreamId('😀'.repeat(256), 1024)).toBe('😀'.repeat(256)); // 1024 bytes
  });

  it.each([
    ['ASCII', 'a'.repeat(1025), 1025],
    ['three-byte characters', '€'.repeat(342), 1026],
    ['four-byte characters', '😀'.repeat(257), 1028],
  ])('rejects %s over the limit with INVALID_STREAM_ID and the byte count', (_, id, bytes) => {
    const rejected = (() => {
      try {
        checkStreamId(id, 1024);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(rejected).toBeInstanceOf(EesError);
    expect(rejected).toMatchObject({ code: 'INVALID_STREAM_ID', streamId: id });
    expect((rejected as EesError).message).toContain(`${bytes} bytes`);
  });

  it('rejects U+0000 anywhere, which PostgreSQL cannot store', () => {
    for (const id of ['\u0000', 'a\u0000', '\u0000b', 'a\u0000b']) {
      expect(() => checkStreamId(id, 1024)).toThrow(
        expect.objectContaining({ code: 'INVALID_STREAM_ID' }) as Error,
      );
    }
    expect(checkStreamId('a\u0001b', 1024)).toBe('a\u0001b');
  });
});

import { errors } from './errors.js';
import type { Expectation } from './expectation.js';
import { NEW_STREAM } from './expectation.js';
import { parseNonNegativeInteger } from './numbers.js';
import type { Checkpoint, Range } from './types.js';

/** A query parameter as it arrives: absent, or its raw text. An empty string counts as absent. */
type Raw = string | undefined;

const given = (raw: Raw): raw is string => raw !== undefined && raw !== '';

/**
 * Reads the mandatory concurrency expectation of a commit from its two query parameters.
 * Neither given (or both empty) means "new stream" (`expected_last_changeset=0`).
 */
export function parseExpectation(
  streamId: string,
  params: { readonly expectedLastChangeset: Raw; readonly expectedLastEvent: Raw },
): Expectation {
  const { expectedLastChangeset, expectedLastEvent } = params;
  if (given(expectedLastChangeset) && given(expectedLastEvent)) {
    throw errors.bothExpectationsSet(streamId);
  }
  if (given(expectedLastChangeset)) {
    const lastChangesetId = parseNonNegativeInteger(expectedLastChangeset);
    if (lastChangesetId === undefined) {
      throw errors.invalidExpectedValue(streamId, 'changeset', expectedLastChangeset);
    }
    return { kind: 'changeset', lastChangesetId };
  }
  if (given(expectedLastEvent)) {
    const lastEventId = parseNonNegativeInteger(expectedLastEvent);
    if (lastEventId === undefined) {
      throw errors.invalidExpectedValue(streamId, 'event', expectedLastEvent);
    }
    return { kind: 'event', lastEventId };
  }
  return NEW_STREAM;
}

/** Reads the inclusive `from`/`to` bounds of a stream read (changesets or events). */
export function parseStreamRange(
  streamId: string,
  target: 'changeset' | 'event',
  params: { readonly from: Raw; readonly to: Raw },
): Range {
  const bound = (raw: Raw): number | undefined => {
    if (!given(raw)) return undefined;
    const value = parseNonNegativeInteger(raw);
    if (value === undefined) throw errors.invalidFilteringParams(streamId, target);
    return value;
  };
  const from = bound(params.from);
  const to = bound(params.to);
  if (from !== undefined && to !== undefined && from > to) {
    throw errors.invertedRange(streamId, target, from, to);
  }
  return { from, to };
}

export const DEFAULT_PAGE_LIMIT = 10;

/** Reads `checkpoint` and `limit` of a global enumeration page. */
export function parsePage(params: { readonly checkpoint: Raw; readonly limit: Raw }): {
  checkpoint: Checkpoint;
  limit: number;
} {
  let checkpoint = 0;
  if (given(params.checkpoint)) {
    const value = parseNonNegativeInteger(params.checkpoint);
    if (value === undefined) throw errors.invalidCheckpoint(params.checkpoint);
    checkpoint = value;
  }
  let limit = DEFAULT_PAGE_LIMIT;
  if (given(params.limit)) {
    const value = parseNonNegativeInteger(params.limit);
    if (value === undefined || value < 1) throw errors.invalidLimit(params.limit);
    limit = value;
  }
  return { checkpoint, limit };
}

// eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included
const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * The length of `text` in UTF-8 bytes, as `TextEncoder` would encode it, without encoding it:
 * 1 byte below U+0080, 2 below U+0800, 4 for a surrogate pair, 3 for anything else (a lone
 * surrogate becomes U+FFFD).
 */
export function utf8Length(text: string): number {
  // ASCII (most JSON) is a byte a character; the regular expression finds out much faster
  // than a loop in JavaScript.
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
      continue;
    }
    bytes += 2;
    const next = text.charCodeAt(i + 1);
    // Two UTF-16 units, four bytes: the pair's second unit adds nothing more.
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
  }
  return bytes;
}

/**
 * Checks a stream id every route receives (commit, reads, subscriptions) before it reaches a
 * store: at most `maxBytes` in UTF-8, and no U+0000, which PostgreSQL cannot store in text.
 */
export function checkStreamId(streamId: string, maxBytes: number): string {
  // A UTF-16 code unit takes at most three UTF-8 bytes, so a short id needs no counting.
  if (streamId.length > maxBytes / 3) {
    const bytes = utf8Length(streamId);
    if (bytes > maxBytes) throw errors.streamIdTooLong(streamId, bytes, maxBytes);
  }
  if (streamId.includes('\u0000')) throw errors.streamIdWithNul(streamId);
  return streamId;
}

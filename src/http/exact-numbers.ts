/*
 * JSON.parse turns every number into a 64-bit float, and JSON.stringify writes that float back
 * in its shortest form. Most numbers come back as the number sent (1.0 as 1, 1E2 as 100), but
 * some do not: 12345678901234567890 comes back as 12345678901234567000, 1e400 as null
 * (Infinity), 1e-400 as 0. A store that kept those would answer later reads with numbers its
 * writer never sent, so a commit holding one is refused instead (I-JSON, RFC 7493, asks for
 * such numbers as strings).
 */

/**
 * A cheap first look at a body's text: whether it may hold a number a float cannot keep, i.e.
 * 16 or more significant digits, or an exponent of 3 digits or more. Digits inside strings
 * match too; they only cost the closer look of `findInexactNumber`.
 */
const MAY_BE_INEXACT = /\d(?:\.?\d){15}|[eE][+-]?\d{3}/;

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** A JSON number's value as `<digits>e<exponent>` with no leading or trailing zero; zero is `0`. */
function decimalValue(token: string): string {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (match === null) return token;
  const [, whole = '', fraction = '', exponent = '0'] = match;
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return '0';
  let shift = BigInt(exponent) - BigInt(fraction.length);
  const trimmed = digits.replace(/0+$/, '');
  shift += BigInt(digits.length - trimmed.length);
  digits = trimmed;
  return `${token.startsWith('-') ? '-' : ''}${digits}e${shift}`;
}

/** Whether JSON.stringify(JSON.parse(token)) writes the number `token` writes. */
export function holdsExactly(token: string): boolean {
  const value = Number(token);
  if (!Number.isFinite(value)) return false;
  // Compared as decimal values, so 1.0 and 1 agree; the sign of zero is no difference.
  return (
    decimalValue(token).replace(/^-0$/, '0') === decimalValue(String(value)).replace(/^-0$/, '0')
  );
}

/** Where in a commit body a number sits that a float cannot keep. */
export type InexactNumber =
  | { readonly in: 'events'; readonly index: number; readonly number: string }
  | { readonly in: 'metadata'; readonly number: string };

/**
 * The first number of `events` or `metadata` in a commit body (valid JSON, an object) that
 * `JSON.parse` would change, or `undefined`. Numbers elsewhere in the body are ignored, as the
 * store ignores those fields, and so is every occurrence of a key but its last, which is the
 * one JSON.parse keeps.
 */
export function findInexactNumber(json: string): InexactNumber | undefined {
  if (!MAY_BE_INEXACT.test(json)) return undefined;
  const found: { key: string; occurrence: number; index: number; number: string }[] = [];
  const occurrences = new Map<string, number>();
  let depth = 0;
  let key = '';
  let index = 0;
  /** Whether the string that just ended at depth 1 is a key (rather than a value). */
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const char = json.charCodeAt(i);
    if (char === 0x22) {
      // A string: skip to its end, escapes included.
      const start = i;
      for (i++; i < json.length && json.charCodeAt(i) !== 0x22; i++) {
        if (json.charCodeAt(i) === 0x5c) i++;
      }
      if (depth === 1 && expectKey) {
        key = JSON.parse(json.slice(start, i + 1)) as string;
        occurrences.set(key, (occurrences.get(key) ?? 0) + 1);
        index = 0;
        expectKey = false;
      }
    } else if (char === 0x7b || char === 0x5b) {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (char === 0x7d || char === 0x5d) {
      depth--;
    } else if (char === 0x2c) {
      if (depth === 1) expectKey = true;
      else if (depth === 2) index++;
    } else if (char === 0x2d || (char >= 0x30 && char <= 0x39)) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(json)?.[0] ?? '';
      if (!holdsExactly(token)) {
        found.push({ key, occurrence: occurrences.get(key) ?? 0, index, number: token });
      }
      i += Math.max(token.length, 1) - 1;
    }
  }
  for (const number of found) {
    if (number.occurrence !== occurrences.get(number.key)) continue;
    if (number.key === 'events')
      return { in: 'events', index: number.index, number: number.number };
    if (number.key === 'metadata') return { in: 'metadata', number: number.number };
  }
  return undefined;
}

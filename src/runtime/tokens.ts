import type { AccessScope, ApiToken } from '../http/index.js';

/**
 * Parsing of API token specs, `token:scope`. Pure, so the settings table (which the Lambda
 * functions import too) stays free of I/O. No message ever repeats a token, nor a scope (a
 * spec written the wrong way round, `write:s3cret`, would put the token there): entries are
 * named by their position.
 */

type Parsed = { value: readonly ApiToken[] } | { reason: string };

/** RFC 6750's b64token: what an `Authorization: Bearer` header can carry. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

const SCOPES: readonly AccessScope[] = ['read', 'write'];

const isScope = (text: string): text is AccessScope => (SCOPES as readonly string[]).includes(text);

/** One `token:scope` entry, already trimmed; `where` names it in the reason ("entry 2"). */
function parseSpec(spec: string, where: string): { token: ApiToken } | { reason: string } {
  const colon = spec.lastIndexOf(':');
  if (colon < 0) return { reason: `${where} is not of the form token:scope` };
  const token = spec.slice(0, colon);
  const scope = spec.slice(colon + 1);
  if (!B64TOKEN.test(token)) {
    return {
      reason: `${where}: a token is one or more of A-Z a-z 0-9 - . _ ~ + / followed by any "=", as "Authorization: Bearer" carries it`,
    };
  }
  if (!isScope(scope)) return { reason: `${where}: the scope must be read or write` };
  return { token: { token, scope } };
}

/** Parses numbered entries, skipping `undefined` ones (blank lines), refusing duplicates. */
function parseEntries(entries: readonly (string | undefined)[], unit: string): Parsed {
  const tokens: ApiToken[] = [];
  const firstSeen = new Map<string, number>();
  for (const [index, spec] of entries.entries()) {
    if (spec === undefined) continue;
    const where = `${unit} ${index + 1}`;
    if (spec === '') return { reason: `${where} is empty` };
    const parsed = parseSpec(spec, where);
    if ('reason' in parsed) return parsed;
    const earlier = firstSeen.get(parsed.token.token);
    if (earlier !== undefined)
      return { reason: `${where} repeats the token of ${unit} ${earlier}` };
    firstSeen.set(parsed.token.token, index + 1);
    tokens.push(parsed.token);
  }
  return { value: tokens };
}

/**
 * `EES_API_TOKENS` / `--api-tokens`: comma-separated `token:scope` entries, spaces around
 * entries ignored. The empty string (the default) is no tokens.
 *
 * @example
 * parseTokenList('s3cret:write, another:read');
 * // → { value: [{ token: 's3cret', scope: 'write' }, { token: 'another', scope: 'read' }] }
 */
export const parseTokenList = (raw: string): Parsed =>
  raw === ''
    ? { value: [] }
    : parseEntries(
        raw.split(',').map((entry) => entry.trim()),
        'entry',
      );

/**
 * A token file (`EES_API_TOKENS_FILE`): one `token:scope` a line; blank lines and everything
 * after a `#` (which no token contains) are ignored. Reasons name the line.
 */
export const parseTokenFile = (text: string): Parsed =>
  parseEntries(
    text.split(/\r?\n/).map((line) => {
      const content = line.replace(/#.*$/, '').trim();
      return content === '' ? undefined : content;
    }),
    'line',
  );

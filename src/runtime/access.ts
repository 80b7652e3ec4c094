import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { ApiToken, TokenEquals } from '../http/index.js';
import type { Config } from './config.js';
import { ConfigError } from './errors.js';
import { parseTokenFile } from './tokens.js';

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Token comparison for the Node server: SHA-256 of both sides, so the compared buffers have
 * the same length whatever was sent, then `timingSafeEqual`.
 */
export const timingSafeTokenEquals: TokenEquals = (presented, configured) =>
  timingSafeEqual(sha256(presented), sha256(configured));

/**
 * The IPv6 loopback addresses. IPv4's, 127.0.0.0/8, are told by their first byte: `isIPv4`
 * takes only dotted decimal without leading zeros, so a `127.` prefix is exact, and much cheaper
 * than `BlockList.check`, which builds a `SocketAddress` per call (2.6% of a server's time
 * under commit load, since every request's `Host` goes through `isLoopbackName`).
 */
const LOOPBACK_IPV6 = new BlockList();
LOOPBACK_IPV6.addAddress('::1', 'ipv6');
LOOPBACK_IPV6.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/**
 * Whether a listen address is reachable from this machine only: 127.0.0.0/8, ::1 (also
 * IPv4-mapped) and `localhost`. Any other name may resolve to a public interface.
 */
export function isLoopback(host: string): boolean {
  const address = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (address.toLowerCase() === 'localhost') return true;
  if (isIPv4(address)) return address.startsWith('127.');
  if (isIPv6(address)) return LOOPBACK_IPV6.check(address, 'ipv6');
  return false;
}

/**
 * Whether a request's host name can only mean this machine: a loopback address, `localhost`,
 * a name under `.localhost`, which browsers resolve to loopback themselves (RFC 6761), or the
 * unspecified address (`0.0.0.0`, `[::]`), which reaches this machine too. A name a DNS server
 * answers for is refused, even when it answers 127.0.0.1 (DNS rebinding).
 */
export const isLoopbackName = (hostname: string): boolean =>
  isLoopback(hostname) ||
  hostname.toLowerCase().endsWith('.localhost') ||
  hostname === '0.0.0.0' ||
  hostname === '[::]';

/** Reads a file's text; injectable so tests need no file system tricks. */
export type ReadText = (path: string) => string;

const readText: ReadText = (path) => readFileSync(path, 'utf8');

function readTokenFile(path: string, read: ReadText): readonly ApiToken[] {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`cannot read the API token file "${path}" (${code})`, { cause: error });
  }
  const parsed = parseTokenFile(text);
  if ('reason' in parsed) {
    throw new ConfigError(`invalid API token file "${path}": ${parsed.reason}`);
  }
  // An empty file would silently turn access control off.
  if (parsed.value.length === 0)
    throw new ConfigError(`the API token file "${path}" has no tokens`);
  return parsed.value;
}

/**
 * The API tokens `ees serve` accepts: those of `--api-tokens` / `EES_API_TOKENS`, then those of
 * the file, which is read now and only now (a changed file takes effect on restart).
 *
 * Refuses what would expose the store to anyone who can reach it: a non-loopback host with no
 * tokens, unless `insecure`. Throws `ConfigError` (exit code 2) with one line that names the
 * problem but never a token.
 *
 * @example
 * resolveApiTokens(resolveConfig({ EES_API_TOKENS: 's3cret:write' }, ['--host', '0.0.0.0']));
 * // → [{ token: 's3cret', scope: 'write' }]
 */
export function resolveApiTokens(config: Config, read: ReadText = readText): readonly ApiToken[] {
  const fromFile =
    config.apiTokensFile === undefined ? [] : readTokenFile(config.apiTokensFile, read);
  const inline = new Set(config.apiTokens.map(({ token }) => token));
  if (fromFile.some(({ token }) => inline.has(token))) {
    throw new ConfigError(
      `the API token file "${config.apiTokensFile ?? ''}" repeats a token given in EES_API_TOKENS or --api-tokens`,
    );
  }
  const tokens = [...config.apiTokens, ...fromFile];
  if (tokens.length === 0 && !config.insecure && !isLoopback(config.host)) {
    throw new ConfigError(
      `refusing to serve ${config.host} without API tokens, which would let anyone who can reach it read and write every stream: set EES_API_TOKENS or EES_API_TOKENS_FILE (--api-tokens, --api-tokens-file), or pass --insecure (EES_INSECURE=true) to serve it open`,
    );
  }
  return tokens;
}

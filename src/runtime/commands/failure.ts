import type { StreamChangeset } from '../../client/index.js';
import { ConcurrencyError, EesClientError } from '../../client/index.js';
import { RequestFailedError, describeError, isStartupError } from '../errors.js';

/** How many forthcoming changesets a conflict report lists before it only counts them. */
const LISTED_CHANGESETS = 5;

/** `1 changeset`, `2 changesets`. */
export const plural = (count: number, noun: string): string =>
  `${count} ${noun}${count === 1 ? '' : 's'}`;

/** `2 changesets committed since: #2 (2 events), #3 (1 event)`, shortened when long. */
function forthcomingSummary(forthcoming: readonly StreamChangeset[]): string {
  const listed = forthcoming
    .slice(0, LISTED_CHANGESETS)
    .map((changeset) => `#${changeset.changesetId} (${plural(changeset.events.length, 'event')})`);
  const more = forthcoming.length - listed.length;
  const last = forthcoming.at(-1)?.changesetId;
  return [
    `${plural(forthcoming.length, 'changeset')} committed since: ${listed.join(', ')}`,
    more > 0 ? `, and ${more} more` : '',
    last === undefined ? '' : `; the stream now ends at changeset ${last}`,
  ].join('');
}

/** What the server answered: `CODE: message`, or `HTTP 502: ...` for an answer without a code. */
const describeAnswer = (error: EesClientError): string =>
  `${error.code ?? `HTTP ${error.status}`}: ${error.message}`;

/** A cause in its own words, or its code when it has none (an `AggregateError`, say). */
function describeCause(cause: unknown): string {
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  const message = describeError(cause);
  return message === '' && typeof code === 'string' ? code : message;
}

/**
 * Why a request or a connection failed, in one line: the server's answer, or what `fetch` threw
 * with its cause, since `fetch` says only "fetch failed" (`fetch failed: connect ECONNREFUSED
 * 127.0.0.1:3198`).
 */
export function describeFailure(error: unknown): string {
  if (error instanceof EesClientError) return describeAnswer(error);
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined
    ? describeError(error)
    : `${describeError(error)}: ${describeCause(cause)}`;
}

/** The one line a failed request is reported as. */
function describeRequestFailure(error: unknown, url: string): string {
  if (error instanceof ConcurrencyError) {
    return `${error.code ?? 'CONFLICT'}: ${error.message} ${forthcomingSummary(error.forthcoming)}`;
  }
  if (error instanceof EesClientError) return describeAnswer(error);
  // fetch reports network failures as "fetch failed", with the reason as the cause.
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const reason = typeof cause?.code === 'string' ? cause.code : describeError(cause ?? error);
  return `cannot reach ${url}: ${reason}`;
}

/**
 * Runs a command's requests, turning what the server or the network throws into a one-line
 * `RequestFailedError` (exit code 1). Usage errors pass through unchanged.
 */
export async function reportingFailures<T>(url: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isStartupError(error)) throw error;
    throw new RequestFailedError(describeRequestFailure(error, url), { cause: error });
  }
}

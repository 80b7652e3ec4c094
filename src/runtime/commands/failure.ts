import type { StreamChangeset } from '../../client/index.js';
import { ConcurrencyError, EesClientError } from '../../client/index.js';
import { RequestFailedError, describeError, isStartupError } from '../errors.js';

/** How many forthcoming changesets a conflict report lists before it only counts them. */
const LISTED_CHANGESETS = 5;

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

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

/** The one line a failed request is reported as. */
function describeRequestFailure(error: unknown, url: string): string {
  if (error instanceof ConcurrencyError) {
    return `${error.code ?? 'CONFLICT'}: ${error.message} ${forthcomingSummary(error.forthcoming)}`;
  }
  if (error instanceof EesClientError) {
    return `${error.code ?? `HTTP ${error.status}`}: ${error.message}`;
  }
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

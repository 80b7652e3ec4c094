import { HTTPException } from 'hono/http-exception';
import { EesError, isEesError } from '../core/index.js';

/**
 * Any error as the one error type: ours pass through, a framework's 4xx stays a client error,
 * and everything else becomes a bare 500 whose details go to the log, never to the client.
 */
export const toEesError = (error: unknown): EesError => {
  if (isEesError(error)) return error;
  if (error instanceof HTTPException && error.status < 500) {
    return new EesError('INVALID_BODY', error.message, { cause: error });
  }
  return new EesError('INTERNAL_ERROR', 'An unexpected error occurred.', { cause: error });
};

/**
 * `report`, called at most once per `intervalMs`: the calls in between are counted and the
 * next report says how many there were. For failures that come in floods (every request while
 * the database is down) and need one line in the log, not one per request.
 */
export function atMostEvery<T>(
  intervalMs: number,
  report: (item: T, skipped: number) => void,
  now: () => number = Date.now,
): (item: T) => void {
  let last = -Infinity;
  let skipped = 0;
  return (item) => {
    const time = now();
    if (time - last < intervalMs) {
      skipped++;
      return;
    }
    report(item, skipped);
    last = time;
    skipped = 0;
  };
}

/** How often a flood of `STORE_UNAVAILABLE` answers is reported, at most. */
export const STORE_UNAVAILABLE_REPORT_MS = 10_000;

/** The one-line report of a `STORE_UNAVAILABLE` answer: why the store failed. */
export const describeStoreUnavailable = (error: EesError, skipped: number): string => {
  const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
  const more = skipped === 0 ? '' : ` (${skipped} more since the last report)`;
  return `store unavailable: ${cause.replace(/\s*\n\s*/g, ' ')}${more}`;
};

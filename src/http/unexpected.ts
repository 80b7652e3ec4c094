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

/**
 * `atMostEvery` for each kind of item on its own (`kindOf`): a flood of one error is one line
 * per interval, while a different error is still reported at once. Forgets every kind once
 * `maxKinds` were seen, so that errors with ever-new messages cannot grow it without bound.
 */
export function atMostEveryKind<T>(
  intervalMs: number,
  kindOf: (item: T) => string,
  report: (item: T, skipped: number) => void,
  now: () => number = Date.now,
  maxKinds = 100,
): (item: T) => void {
  const kinds = new Map<string, (item: T) => void>();
  return (item) => {
    const kind = kindOf(item);
    let reporter = kinds.get(kind);
    if (reporter === undefined) {
      if (kinds.size >= maxKinds) kinds.clear();
      reporter = atMostEvery(intervalMs, report, now);
      kinds.set(kind, reporter);
    }
    reporter(item);
  };
}

/** How often a flood of one failure (`STORE_UNAVAILABLE` answers, one unexpected error) is reported, at most. */
export const REPORT_INTERVAL_MS = 10_000;

/** The one-line report of a `STORE_UNAVAILABLE` answer: why the store failed. */
export const describeStoreUnavailable = (error: EesError, skipped: number): string => {
  const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
  const more = skipped === 0 ? '' : ` (${skipped} more since the last report)`;
  return `store unavailable: ${cause.replace(/\s*\n\s*/g, ' ')}${more}`;
};

/**
 * Reports `STORE_UNAVAILABLE` answers to `write`, one line every `REPORT_INTERVAL_MS` at most
 * (`atMostEvery`), naming the store's failure and how many answers were not reported.
 */
export const reportStoreUnavailable = (
  write: (line: string) => void,
): ((error: EesError) => void) =>
  atMostEvery(REPORT_INTERVAL_MS, (error: EesError, skipped) => {
    write(describeStoreUnavailable(error, skipped));
  });

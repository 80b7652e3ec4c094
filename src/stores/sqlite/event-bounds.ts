import type { Database } from 'better-sqlite3';
import type { StreamHead } from '../../core/index.js';

/** One changeset's last event id, by `UNIQUE (stream_id, changeset_id)`: one seek. */
export const lastEventOfSql = `
  SELECT last_event_id FROM changesets WHERE stream_id = ? AND changeset_id = ?
`;

/**
 * The lowest changeset of a stream that ends at or after event `eventId`, found by binary search
 * over its changeset numbers; `undefined` when the stream ends before it.
 *
 * A stream's changesets are numbered 1 to `head.lastChangesetId` without gaps, and their last
 * event ids grow with their numbers, so the changesets ending at or after an event are a suffix
 * of the stream. Finding where it starts takes about log2(changesets) seeks of the
 * `(stream_id, changeset_id)` index (20 for a million changesets), which lets the table do
 * without an index on `(stream_id, last_event_id)`: that index cost every commit one more
 * random page written to the log, for reads that are rarer than commits. Callers run it inside
 * the read or write transaction that read `head`, so every seek sees the same stream.
 */
export function prepareFirstChangesetEndingAtOrAfter(
  db: Database,
): (streamId: string, eventId: number, head: StreamHead) => number | undefined {
  const lastEventOf = db.prepare<[string, number], number>(lastEventOfSql).pluck();
  return (streamId, eventId, head) => {
    if (eventId > head.lastEventId) return undefined;
    let low = 1;
    let high = head.lastChangesetId;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const lastEvent = lastEventOf.get(streamId, middle);
      if (lastEvent === undefined) {
        throw new Error(`Stream "${streamId}" has no changeset ${middle} below its head`);
      }
      if (lastEvent >= eventId) high = middle;
      else low = middle + 1;
    }
    return low;
  };
}

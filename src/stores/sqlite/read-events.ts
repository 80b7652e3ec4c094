import type { Database } from 'better-sqlite3';
import type { Range, StreamEvent } from '../../core/index.js';
import { afterTheFirst, sliceEvents } from '../../core/index.js';
import { prepareFirstChangesetEndingAtOrAfter } from './event-bounds.js';
import type { ChangesetRow } from './rows.js';
import { rowsWithinBytes, storedEventsSize, toChangeset } from './rows.js';
import { readChangesetsSql } from './read-changesets.js';
import { prepareStreamHead } from './stream-head.js';

/**
 * A stream's events in the inclusive range of event ids, cut out of the changesets that hold
 * them; `undefined` for a stream that does not exist. Only the changesets holding the range are
 * read: the first is the lowest one ending at or after `from`, the last the lowest one ending at
 * or after `to` (or the stream's last), both found by binary search (`event-bounds.ts`), then
 * read as one range of `(stream_id, changeset_id)`. (Bounding by the checkpoints instead would
 * also scan every other stream's changesets committed in between.) One read transaction, as
 * for changesets.
 */
export function prepareReadEvents(
  db: Database,
): (streamId: string, range: Range, maxBytes?: number) => StreamEvent[] | undefined {
  const headOf = prepareStreamHead(db);
  const firstEndingAtOrAfter = prepareFirstChangesetEndingAtOrAfter(db);
  const select = db
    .prepare<{ streamId: string; from: number; to: number }, ChangesetRow>(readChangesetsSql)
    .raw();
  const read = db.transaction((streamId: string, range: Range, maxBytes?: number) => {
    const head = headOf(streamId);
    if (head === undefined) return undefined;
    const first = firstEndingAtOrAfter(streamId, range.from ?? 1, head);
    if (first === undefined) return [];
    const to = range.to ?? Number.MAX_SAFE_INTEGER;
    const last = firstEndingAtOrAfter(streamId, to, head) ?? head.lastChangesetId;
    if (last < first) return [];
    const params = { streamId, from: first, to: last };
    const rows = rowsWithinBytes(select, [params], maxBytes, afterTheFirst(storedEventsSize));
    return sliceEvents(rows.map(toChangeset), range);
  });
  return (streamId, range, maxBytes): StreamEvent[] | undefined =>
    read.deferred(streamId, range, maxBytes);
}

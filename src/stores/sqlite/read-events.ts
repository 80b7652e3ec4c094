import type { Database } from 'better-sqlite3';
import type { Range, StreamEvent } from '../../core/index.js';
import { sliceEvents } from '../../core/index.js';
import type { ChangesetRow } from './rows.js';
import { CHANGESET_COLUMNS, toChangeset } from './rows.js';
import { prepareStreamHead } from './stream-head.js';

/**
 * Reads only the changesets that hold the event range. A stream's changesets cover its event ids
 * without gaps or overlap, in the order of their numbers, so the first holding changeset is the
 * lowest one ending at or after `from`, and the last is the lowest one ending at or after `to`
 * (or the stream's last changeset when none does): one seek each in `(stream_id,
 * last_event_id)`. Those two bound a range scan of `UNIQUE (stream_id, changeset_id)`.
 * (Bounding by the checkpoints instead would also scan every other stream's changesets
 * committed in between.) A range past the end of the stream makes the lower bound NULL and the
 * result empty; `sliceEvents` then cuts the events out of the changesets found.
 */
export const readEventsSql = `
  SELECT ${CHANGESET_COLUMNS} FROM changesets
  WHERE stream_id = @streamId
    AND changeset_id >= (
      SELECT changeset_id FROM changesets
      WHERE stream_id = @streamId AND last_event_id >= @from
      ORDER BY last_event_id
      LIMIT 1
    )
    AND changeset_id <= coalesce(
      (
        SELECT changeset_id FROM changesets
        WHERE stream_id = @streamId AND last_event_id >= @to
        ORDER BY last_event_id
        LIMIT 1
      ),
      9223372036854775807
    )
  ORDER BY changeset_id
`;

interface RangeParams {
  readonly streamId: string;
  readonly from: number;
  readonly to: number;
}

/**
 * A stream's events in the inclusive range of event ids, cut out of the changesets that hold
 * them; `undefined` for a stream that does not exist. One read transaction, as for changesets.
 */
export function prepareReadEvents(
  db: Database,
): (streamId: string, range: Range) => StreamEvent[] | undefined {
  const headOf = prepareStreamHead(db);
  const select = db.prepare<RangeParams, ChangesetRow>(readEventsSql).raw();
  const read = db.transaction((streamId: string, range: Range): StreamEvent[] | undefined => {
    const rows = select.all({
      streamId,
      from: range.from ?? 0,
      to: range.to ?? Number.MAX_SAFE_INTEGER,
    });
    if (rows.length === 0 && headOf(streamId) === undefined) return undefined;
    return sliceEvents(rows.map(toChangeset), range);
  });
  return (streamId, range) => read.deferred(streamId, range);
}

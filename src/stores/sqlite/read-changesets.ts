import type { Database } from 'better-sqlite3';
import type { Changeset, Range } from '../../core/index.js';
import type { ChangesetRow } from './rows.js';
import { CHANGESET_COLUMNS, rowsWithinBytes, storedSize, toChangeset } from './rows.js';
import { prepareStreamHead } from './stream-head.js';

/** An index range scan of `UNIQUE (stream_id, changeset_id)`. */
export const readChangesetsSql = `
  SELECT ${CHANGESET_COLUMNS} FROM changesets
  WHERE stream_id = @streamId AND changeset_id BETWEEN @from AND @to
  ORDER BY changeset_id
`;

interface RangeParams {
  readonly streamId: string;
  readonly from: number;
  readonly to: number;
}

/**
 * A stream's changesets in the inclusive range, the first of them up to about `maxBytes` when
 * given (rows past that are not read); `undefined` for a stream that does not exist.
 * The range read and the existence check share one read transaction (one WAL snapshot), so a
 * stream created by another connection in between cannot make a covered range look empty.
 */
export function prepareReadChangesets(
  db: Database,
): (streamId: string, range: Range, maxBytes?: number) => Changeset[] | undefined {
  const headOf = prepareStreamHead(db);
  const select = db.prepare<RangeParams, ChangesetRow>(readChangesetsSql).raw();
  const read = db.transaction(
    (streamId: string, range: Range, maxBytes: number | undefined): Changeset[] | undefined => {
      const params = {
        streamId,
        from: range.from ?? 0,
        to: range.to ?? Number.MAX_SAFE_INTEGER,
      };
      const rows = rowsWithinBytes(select, [params], maxBytes, storedSize);
      if (rows.length === 0 && headOf(streamId) === undefined) return undefined;
      return rows.map(toChangeset);
    },
  );
  return (streamId, range, maxBytes) => read.deferred(streamId, range, maxBytes);
}

import type { Database } from 'better-sqlite3';
import type { StreamHead } from '../../core/index.js';

/** The stream's end, read through `UNIQUE (stream_id, changeset_id)` backwards: one seek. */
export const streamHeadSql = `
  SELECT changeset_id, last_event_id FROM changesets
  WHERE stream_id = ?
  ORDER BY changeset_id DESC
  LIMIT 1
`;

interface HeadRow {
  readonly changeset_id: number;
  readonly last_event_id: number;
}

/** Where a stream ends; `undefined` when it has no changeset, i.e. does not exist. */
export function prepareStreamHead(db: Database): (streamId: string) => StreamHead | undefined {
  const statement = db.prepare<[string], HeadRow>(streamHeadSql);
  return (streamId) => {
    const row = statement.get(streamId);
    return row === undefined
      ? undefined
      : { lastChangesetId: row.changeset_id, lastEventId: row.last_event_id };
  };
}

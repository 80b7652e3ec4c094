import type { Pool } from 'pg';
import type { StreamHead } from '../../core/index.js';
import type { SchemaName } from './schema-name.js';
import { changesetsTable } from './rows.js';

/** The stream's end, read through `UNIQUE (stream_id, changeset_id)` backwards: one seek. */
export const streamHeadSql = (schema: SchemaName): string => `
  SELECT changeset_id, last_event_id FROM ${changesetsTable(schema)}
  WHERE stream_id = $1::text
  ORDER BY changeset_id DESC
  LIMIT 1
`;

interface HeadRow {
  readonly changeset_id: number;
  readonly last_event_id: number;
}

/** Where a stream ends; `undefined` when it has no changeset, i.e. does not exist. */
export function prepareStreamHead(
  pool: Pool,
  schema: SchemaName,
): (streamId: string) => Promise<StreamHead | undefined> {
  const text = streamHeadSql(schema);
  return async (streamId) => {
    const { rows } = await pool.query<HeadRow>({
      name: 'ees-stream-head',
      text,
      values: [streamId],
    });
    const row = rows[0];
    return row === undefined
      ? undefined
      : { lastChangesetId: row.changeset_id, lastEventId: row.last_event_id };
  };
}

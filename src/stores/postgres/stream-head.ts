import type { Pool } from 'pg';
import type { StreamHead } from '../../core/index.js';
import type { SchemaName } from './schema-name.js';
import { changesetsTable } from './rows.js';

/**
 * The last changeset (`changeset_id`, `last_event_id`) of the stream `stream`, an SQL
 * expression: the primary key `(stream_id, changeset_id)` read backwards, one seek. No row for a
 * stream that does not exist.
 */
export const lastChangesetSql = (schema: SchemaName, stream: string): string => `
  SELECT changeset_id, last_event_id FROM ${changesetsTable(schema)}
  WHERE stream_id = ${stream}
  ORDER BY changeset_id DESC
  LIMIT 1
`;

/** The end of stream `$1`. */
export const streamHeadSql = (schema: SchemaName): string => lastChangesetSql(schema, '$1::text');

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

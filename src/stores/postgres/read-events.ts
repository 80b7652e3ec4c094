import type { Pool } from 'pg';
import type { Range, StreamEvent } from '../../core/index.js';
import { sliceEvents } from '../../core/index.js';
import type { FoundRow } from './read-changesets.js';
import { changesetsOf } from './read-changesets.js';
import { changesetColumnsOf, changesetsTable } from './rows.js';
import type { SchemaName } from './schema-name.js';

/**
 * Reads only the changesets that hold the event range. A stream's changesets cover its event ids
 * without gaps or overlap, in the order of their numbers, so the first holding changeset is the
 * lowest one ending at or after `from`, and the last is the lowest one ending at or after `to`
 * (or the stream's last changeset when none does): one seek each in `(stream_id,
 * last_event_id)`. Those two bound a range scan of the primary key. A range past the end of the
 * stream makes the lower bound NULL and the result empty; `sliceEvents` then cuts the events out
 * of the changesets found. As for changesets, the existence check shares the statement, and so
 * the snapshot.
 */
export const readEventsSql = (schema: SchemaName): string => `
  SELECT stream.found, ${changesetColumnsOf('c')}
  FROM (
    SELECT EXISTS (SELECT 1 FROM ${changesetsTable(schema)} WHERE stream_id = $1::text) AS found
  ) AS stream
  LEFT JOIN ${changesetsTable(schema)} AS c
    ON c.stream_id = $1::text
    AND c.changeset_id >= (
      SELECT changeset_id FROM ${changesetsTable(schema)}
      WHERE stream_id = $1::text AND last_event_id >= $2::bigint
      ORDER BY last_event_id
      LIMIT 1
    )
    AND c.changeset_id <= coalesce(
      (
        SELECT changeset_id FROM ${changesetsTable(schema)}
        WHERE stream_id = $1::text AND last_event_id >= $3::bigint
        ORDER BY last_event_id
        LIMIT 1
      ),
      2147483647
    )
  ORDER BY c.changeset_id
`;

/**
 * A stream's events in the inclusive range of event ids, cut out of the changesets that hold
 * them; `undefined` for a stream that does not exist.
 */
export function prepareReadEvents(
  pool: Pool,
  schema: SchemaName,
): (streamId: string, range: Range) => Promise<StreamEvent[] | undefined> {
  const text = readEventsSql(schema);
  return async (streamId, range) => {
    const { rows } = await pool.query<FoundRow>({
      name: 'ees-read-events',
      text,
      values: [streamId, range.from ?? 0, range.to ?? Number.MAX_SAFE_INTEGER],
    });
    const changesets = changesetsOf(rows);
    return changesets === undefined ? undefined : sliceEvents(changesets, range);
  };
}

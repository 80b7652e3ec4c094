import type { Pool } from 'pg';
import type { Range, StreamEvent } from '../../core/index.js';
import { sliceEvents } from '../../core/index.js';
import type { FoundRow } from './read-changesets.js';
import { changesetsOf } from './read-changesets.js';
import { changesetColumnsOf, changesetsTable } from './rows.js';
import type { SchemaName } from './schema-name.js';

/**
 * Reads only the changesets that hold the event range. A stream's changesets cover its event ids
 * without gaps or overlap, so the first holding changeset is the lowest one ending at or after
 * `from` and the last is the highest one starting at or before `to`: one seek in each event-id
 * index. Those two bound a range scan of `UNIQUE (stream_id, changeset_id)`. A range past either
 * end of the stream makes a bound NULL and the result empty. As for changesets, the existence
 * check shares the statement, and so the snapshot.
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
    AND c.changeset_id <= (
      SELECT changeset_id FROM ${changesetsTable(schema)}
      WHERE stream_id = $1::text AND first_event_id <= $3::bigint
      ORDER BY first_event_id DESC
      LIMIT 1
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

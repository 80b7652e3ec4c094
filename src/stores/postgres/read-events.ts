import type { Pool } from 'pg';
import type { Range, StreamEvent } from '../../core/index.js';
import { sliceEvents } from '../../core/index.js';
import type { FoundRow } from './read-changesets.js';
import { changesetsOf } from './read-changesets.js';
import { firstEndingAtOrAfter, streamHeadQuery } from './event-bounds.js';
import { changesetColumnsOf, changesetsTable } from './rows.js';
import type { SchemaName } from './schema-name.js';
import { storedSizeSql, withinBytesSql } from './within-bytes.js';

/**
 * Reads only the changesets that hold the event range, in one statement. The first is the
 * lowest changeset ending at or after `from`, the last the lowest ending at or after `to` (or
 * the stream's last changeset when none does), both found by binary search over the primary key
 * (`event-bounds.ts`); those two bound a range scan of it. A range past the end of the stream
 * makes the lower bound NULL and the result empty; `sliceEvents` then cuts the events out of
 * the changesets found. As for changesets, the existence check shares the statement, and so
 * the snapshot.
 */
export const readEventsSql = (schema: SchemaName, extraColumns = ''): string => `
  WITH RECURSIVE
  ${streamHeadQuery(schema)},
  ${firstEndingAtOrAfter(schema, 'first_bound', '$2::bigint')},
  ${firstEndingAtOrAfter(schema, 'last_bound', '$3::bigint')}
  SELECT stream.found, ${changesetColumnsOf('c')}${extraColumns}
  FROM (SELECT EXISTS (SELECT 1 FROM head) AS found) AS stream
  LEFT JOIN ${changesetsTable(schema)} AS c
    ON c.stream_id = $1::text
    AND c.changeset_id >= (SELECT low FROM first_bound WHERE low = high)
    AND c.changeset_id <= coalesce(
      (SELECT low FROM last_bound WHERE low = high),
      9223372036854775807
    )
  ORDER BY c.changeset_id
`;

/**
 * A stream's events in the inclusive range of event ids, cut out of the changesets that hold
 * them, the first of those up to about `maxBytes` of events when given (the first changeset
 * not counted); `undefined` for a stream that does not exist.
 */
export function prepareReadEvents(
  pool: Pool,
  schema: SchemaName,
): (streamId: string, range: Range, maxBytes?: number) => Promise<StreamEvent[] | undefined> {
  const all = { name: 'ees-read-events', text: readEventsSql(schema) };
  const bounded = {
    name: 'ees-read-events-within-bytes',
    text: withinBytesSql({
      select: (window) => readEventsSql(schema, window),
      size: storedSizeSql('c', { eventsOnly: true }),
      order: 'c.changeset_id',
      parameter: 4,
      firstCounts: false,
    }),
  };
  return async (streamId, range, maxBytes) => {
    const values = [streamId, range.from ?? 0, range.to ?? Number.MAX_SAFE_INTEGER];
    const { rows } = await pool.query<FoundRow>(
      maxBytes === undefined ? { ...all, values } : { ...bounded, values: [...values, maxBytes] },
    );
    const changesets = changesetsOf(rows);
    return changesets === undefined ? undefined : sliceEvents(changesets, range);
  };
}

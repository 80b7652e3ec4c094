import { changesetsTable } from './rows.js';
import type { SchemaName } from './schema-name.js';
import { streamHeadSql } from './stream-head.js';

/**
 * SQL for a query named `head` holding the last changeset of stream `$1` (`changeset_id`,
 * `last_event_id`; no row for a stream that does not exist): one backward seek of the primary
 * key. Define it once in a statement's `WITH RECURSIVE`, before the searches that start from it.
 */
export const streamHeadQuery = (schema: SchemaName): string => `head AS (${streamHeadSql(schema)})`;

/**
 * SQL for a recursive query named `name` whose last row holds, in `low`, the lowest changeset of
 * stream `$1` that ends at or after event `event` (an SQL expression), and no row when the
 * stream ends before that event or does not exist: a binary search over the stream's
 * changeset numbers, in the statement itself, starting from the `head` query
 * (`streamHeadQuery`).
 *
 * A stream's changesets are numbered 1 to n without gaps and their last event ids grow with
 * their numbers, so the changesets ending at or after an event are a suffix of the stream.
 * Each step is one seek of the primary key `(stream_id, changeset_id)`, about log2(n) in all
 * (20 for a million changesets), which lets the table do without an index on
 * `(stream_id, last_event_id)`: that index cost every commit an insert, and every indexer
 * update another, for reads that are rarer than commits. Use it as
 * `WITH RECURSIVE ${streamHeadQuery(schema)}, ${firstEndingAtOrAfter(schema, 'bound', '$2::bigint')} ...`
 * and read `(SELECT low FROM bound WHERE low = high)`.
 */
export const firstEndingAtOrAfter = (schema: SchemaName, name: string, event: string): string => `
  ${name}(low, high) AS (
    SELECT 1::bigint, head.changeset_id::bigint FROM head
    WHERE head.last_event_id >= ${event}
    UNION ALL
    SELECT
      CASE WHEN middle.last_event_id >= ${event} THEN b.low ELSE (b.low + b.high) / 2 + 1 END,
      CASE WHEN middle.last_event_id >= ${event} THEN (b.low + b.high) / 2 ELSE b.high END
    FROM ${name} AS b
    JOIN ${changesetsTable(schema)} AS middle
      ON middle.stream_id = $1::text AND middle.changeset_id = (b.low + b.high) / 2
    WHERE b.low < b.high
  )`;

import type { Pool } from 'pg';
import type { Changeset, Range } from '../../core/index.js';
import type { ChangesetRow } from './rows.js';
import { changesetColumnsOf, changesetsTable, toChangeset } from './rows.js';
import type { SchemaName } from './schema-name.js';

/**
 * An index range scan of `UNIQUE (stream_id, changeset_id)`, joined to whether the stream exists
 * at all: one statement, so one snapshot answers both, and a stream created in between cannot
 * make a covered range look empty. A stream without changesets in the range gives one row
 * with `found` and NULL columns.
 */
export const readChangesetsSql = (schema: SchemaName, extraColumns = ''): string => `
  SELECT stream.found, ${changesetColumnsOf('c')}${extraColumns}
  FROM (
    SELECT EXISTS (SELECT 1 FROM ${changesetsTable(schema)} WHERE stream_id = $1::text) AS found
  ) AS stream
  LEFT JOIN ${changesetsTable(schema)} AS c
    ON c.stream_id = $1::text AND c.changeset_id BETWEEN $2::bigint AND $3::bigint
  ORDER BY c.changeset_id
`;

/**
 * A stream read (`select`, given the window column to add to its select list) ending with the
 * changeset that brings `size` (an expression over the alias `c`) to `$<parameter>` bytes: a
 * running sum of the changesets before each one, so the rows past the bound are counted but
 * never sent (nor detoasted). The row that says a stream without changesets in the range
 * exists (`found` with NULL columns) passes. Without `firstCounts`, the first changeset counts
 * for nothing (`readEvents`, see `EventStore`).
 */
export const withinBytesSql = (
  select: (windowColumn: string) => string,
  size: string,
  parameter: number,
  { firstCounts = true }: { readonly firstCounts?: boolean } = {},
): string => `
  SELECT page.* FROM (${select(`,
    sum(${size}) OVER (
      ORDER BY c.changeset_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    )${firstCounts ? '' : ` - first_value(${size}) OVER (ORDER BY c.changeset_id)`} AS bytes_before`)}
  ) AS page
  WHERE page.bytes_before IS NULL OR page.bytes_before < $${parameter}::bigint
  ORDER BY page.changeset_id
`;

/** What the changeset `c` takes as stored text, read from the columns' headers. */
export const STORED_SIZE_OF_C = 'octet_length(c.events::text) + octet_length(c.metadata::text)';

/** A changeset row of a read that also says whether the stream exists. */
export type FoundRow = { readonly found: boolean } & (
  ChangesetRow | { readonly [column in keyof ChangesetRow]: null }
);

/** The changesets of rows from a `found` read; `undefined` for a stream that does not exist. */
export function changesetsOf(rows: readonly FoundRow[]): Changeset[] | undefined {
  if (rows[0]?.found !== true) return undefined;
  return rows.flatMap((row) => (row.stream_id === null ? [] : [toChangeset(row)]));
}

/**
 * A stream's changesets in the inclusive range, the first of them up to about `maxBytes` when
 * given; `undefined` for a stream that does not exist.
 */
export function prepareReadChangesets(
  pool: Pool,
  schema: SchemaName,
): (streamId: string, range: Range, maxBytes?: number) => Promise<Changeset[] | undefined> {
  const all = { name: 'ees-read-changesets', text: readChangesetsSql(schema) };
  const bounded = {
    name: 'ees-read-changesets-within-bytes',
    text: withinBytesSql((window) => readChangesetsSql(schema, window), STORED_SIZE_OF_C, 4),
  };
  return async (streamId, range, maxBytes) => {
    const values = [streamId, range.from ?? 0, range.to ?? Number.MAX_SAFE_INTEGER];
    const { rows } = await pool.query<FoundRow>(
      maxBytes === undefined ? { ...all, values } : { ...bounded, values: [...values, maxBytes] },
    );
    return changesetsOf(rows);
  };
}

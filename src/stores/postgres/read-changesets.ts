import type { Pool } from 'pg';
import type { Changeset, Range } from '../../core/index.js';
import type { ChangesetRow } from './rows.js';
import { changesetColumnsOf, changesetsTable, toChangeset } from './rows.js';
import type { SchemaName } from './schema-name.js';
import { storedSizeSql, withinBytesSql } from './within-bytes.js';

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
    text: withinBytesSql({
      select: (window) => readChangesetsSql(schema, window),
      size: storedSizeSql('c'),
      order: 'c.changeset_id',
      parameter: 4,
    }),
  };
  return async (streamId, range, maxBytes) => {
    const values = [streamId, range.from ?? 0, range.to ?? Number.MAX_SAFE_INTEGER];
    const { rows } = await pool.query<FoundRow>(
      maxBytes === undefined ? { ...all, values } : { ...bounded, values: [...values, maxBytes] },
    );
    return changesetsOf(rows);
  };
}

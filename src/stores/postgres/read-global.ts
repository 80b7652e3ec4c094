import type { Pool } from 'pg';
import type { Checkpoint, IndexedChangeset, IndexedChangesetText } from '../../core/index.js';
import type { ChangesetRow, ChangesetTextTuple } from './rows.js';
import {
  CHANGESET_COLUMNS,
  CHANGESET_TEXT_COLUMNS,
  changesetsTable,
  toIndexedChangeset,
  toIndexedChangesetText,
} from './rows.js';
import type { SchemaName } from './schema-name.js';
import { storedSizeSql, withinBytesSql } from './within-bytes.js';

/**
 * A range scan of the unique checkpoint index. Only the indexer assigns checkpoints, one
 * contiguous run per transaction and one transaction after another (see `indexer.ts`), so
 * any snapshot sees checkpoints 0..n without a hole: a page is always a gapless run, and a
 * reader resuming at `next_checkpoint` misses nothing. Rows not indexed yet (NULL) are not
 * part of the enumeration yet.
 */
export const readGlobalSql = (schema: SchemaName, columns = CHANGESET_COLUMNS): string => `
  SELECT ${columns} FROM ${changesetsTable(schema)}
  WHERE checkpoint >= $1::bigint
  ORDER BY checkpoint
  LIMIT $2::bigint
`;

/** The names `columns` (`a, b::text AS c`) come out as (`a, c`). */
const outputNames = (columns: string): string =>
  columns
    .split(',')
    .map((column) =>
      column
        .trim()
        .split(/\s+AS\s+/i)
        .at(-1),
    )
    .join(', ');

/**
 * `readGlobalSql` ending the page with the row that brings it to `$3` bytes of events and
 * metadata, the running sum computed over the same scan, before its `LIMIT`.
 */
export const readGlobalWithinBytesSql = (schema: SchemaName, columns = CHANGESET_COLUMNS): string =>
  withinBytesSql({
    select: (window) => readGlobalSql(schema, `${columns}${window}`),
    size: storedSizeSql(),
    order: 'checkpoint',
    parameter: 3,
    output: outputNames(columns),
  });

/**
 * Up to `limit` changesets of every stream from `checkpoint` on, in checkpoint order, and up to
 * about `maxBytes` of them when given: parsed (`read`) or with their JSON columns as the text
 * stored (`readText`).
 */
export function prepareReadGlobal(
  pool: Pool,
  schema: SchemaName,
): {
  read: (checkpoint: Checkpoint, limit: number, maxBytes?: number) => Promise<IndexedChangeset[]>;
  readText: (
    checkpoint: Checkpoint,
    limit: number,
    maxBytes?: number,
  ) => Promise<IndexedChangesetText[]>;
} {
  /** A page's two statements, bounded in bytes or not. */
  const statements = (name: string, columns: string) => ({
    all: { name, text: readGlobalSql(schema, columns) },
    bounded: { name: `${name}-within-bytes`, text: readGlobalWithinBytesSql(schema, columns) },
  });
  const parsed = statements('ees-read-global', CHANGESET_COLUMNS);
  const asText = statements('ees-read-global-text', CHANGESET_TEXT_COLUMNS);
  const query = (
    { all, bounded }: ReturnType<typeof statements>,
    checkpoint: Checkpoint,
    limit: number,
    maxBytes: number | undefined,
  ) =>
    maxBytes === undefined
      ? { ...all, values: [checkpoint, limit] }
      : { ...bounded, values: [checkpoint, limit, maxBytes] };
  return {
    read: async (checkpoint, limit, maxBytes) => {
      const { rows } = await pool.query<ChangesetRow>(query(parsed, checkpoint, limit, maxBytes));
      return rows.map(toIndexedChangeset);
    },
    readText: async (checkpoint, limit, maxBytes) => {
      const { rows } = await pool.query<ChangesetTextTuple>({
        ...query(asText, checkpoint, limit, maxBytes),
        rowMode: 'array',
      });
      return rows.map(toIndexedChangesetText);
    },
  };
}

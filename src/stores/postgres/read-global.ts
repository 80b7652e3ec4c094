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

/**
 * Up to `limit` changesets of every stream from `checkpoint` on, in checkpoint order: parsed
 * (`read`) or with their JSON columns as the text stored (`readText`).
 */
export function prepareReadGlobal(
  pool: Pool,
  schema: SchemaName,
): {
  read: (checkpoint: Checkpoint, limit: number) => Promise<IndexedChangeset[]>;
  readText: (checkpoint: Checkpoint, limit: number) => Promise<IndexedChangesetText[]>;
} {
  const parsedSql = readGlobalSql(schema);
  const textSql = readGlobalSql(schema, CHANGESET_TEXT_COLUMNS);
  return {
    read: async (checkpoint, limit) => {
      const { rows } = await pool.query<ChangesetRow>({
        name: 'ees-read-global',
        text: parsedSql,
        values: [checkpoint, limit],
      });
      return rows.map(toIndexedChangeset);
    },
    readText: async (checkpoint, limit) => {
      const { rows } = await pool.query<ChangesetTextTuple>({
        name: 'ees-read-global-text',
        text: textSql,
        values: [checkpoint, limit],
        rowMode: 'array',
      });
      return rows.map(toIndexedChangesetText);
    },
  };
}

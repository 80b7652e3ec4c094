import type { Pool } from 'pg';
import type { Checkpoint, IndexedChangeset } from '../../core/index.js';
import type { ChangesetRow } from './rows.js';
import { CHANGESET_COLUMNS, changesetsTable, toIndexedChangeset } from './rows.js';
import type { SchemaName } from './schema-name.js';

/**
 * A range scan of the unique checkpoint index. Only the indexer assigns checkpoints, one
 * contiguous run per transaction and one transaction after another (see `indexer.ts`), so
 * any snapshot sees checkpoints 0..n without a hole: a page is always a gapless run, and a
 * reader resuming at `next_checkpoint` misses nothing. Rows not indexed yet (NULL) are not
 * part of the enumeration yet.
 */
export const readGlobalSql = (schema: SchemaName): string => `
  SELECT ${CHANGESET_COLUMNS} FROM ${changesetsTable(schema)}
  WHERE checkpoint >= $1::bigint
  ORDER BY checkpoint
  LIMIT $2::bigint
`;

/** Up to `limit` changesets of every stream from `checkpoint` on, in checkpoint order. */
export function prepareReadGlobal(
  pool: Pool,
  schema: SchemaName,
): (checkpoint: Checkpoint, limit: number) => Promise<IndexedChangeset[]> {
  const text = readGlobalSql(schema);
  return async (checkpoint, limit) => {
    const { rows } = await pool.query<ChangesetRow>({
      name: 'ees-read-global',
      text,
      values: [checkpoint, limit],
    });
    return rows.map(toIndexedChangeset);
  };
}

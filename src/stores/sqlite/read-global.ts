import type { Database } from 'better-sqlite3';
import type { Checkpoint, IndexedChangeset } from '../../core/index.js';
import type { ChangesetRow } from './rows.js';
import { CHANGESET_COLUMNS, toChangeset } from './rows.js';

/**
 * A rowid range scan. Checkpoints are assigned under the write lock and become visible only
 * when their commit does, so a reader never sees checkpoint n + 1 without n: a page is always a
 * gapless run, and a reader resuming at `next_checkpoint` misses nothing.
 */
export const readGlobalSql = `
  SELECT ${CHANGESET_COLUMNS} FROM changesets
  WHERE checkpoint >= ?
  ORDER BY checkpoint
  LIMIT ?
`;

/** Up to `limit` changesets of every stream from `checkpoint` on, in checkpoint order. */
export function prepareReadGlobal(
  db: Database,
): (checkpoint: Checkpoint, limit: number) => IndexedChangeset[] {
  const select = db.prepare<[Checkpoint, number], ChangesetRow>(readGlobalSql);
  return (checkpoint, limit) => select.all(checkpoint, limit).map(toChangeset);
}

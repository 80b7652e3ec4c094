import type { Database } from 'better-sqlite3';
import type { Checkpoint, IndexedChangeset, IndexedChangesetText } from '../../core/index.js';
import type { ChangesetRow, ChangesetTextRow } from './rows.js';
import {
  CHANGESET_COLUMNS,
  CHANGESET_TEXT_COLUMNS,
  rowsWithinBytes,
  storedSize,
  toChangeset,
  toChangesetText,
} from './rows.js';

/**
 * A rowid range scan. Checkpoints are assigned under the write lock and become visible only
 * when their commit does, so a reader never sees checkpoint n + 1 without n: a page is always a
 * gapless run, and a reader resuming at `next_checkpoint` misses nothing.
 */
export const readGlobalSql = (columns = CHANGESET_COLUMNS): string => `
  SELECT ${columns} FROM changesets
  WHERE checkpoint >= ?
  ORDER BY checkpoint
  LIMIT ?
`;

/**
 * Up to `limit` changesets of every stream from `checkpoint` on, in checkpoint order, and up to
 * about `maxBytes` of them when given: parsed (`read`) or with their JSON columns as stored
 * (`readText`).
 */
export function prepareReadGlobal(db: Database): {
  read: (checkpoint: Checkpoint, limit: number, maxBytes?: number) => IndexedChangeset[];
  readText: (checkpoint: Checkpoint, limit: number, maxBytes?: number) => IndexedChangesetText[];
} {
  const select = db.prepare<[Checkpoint, number], ChangesetRow>(readGlobalSql()).raw();
  const selectText = db
    .prepare<[Checkpoint, number], ChangesetTextRow>(readGlobalSql(CHANGESET_TEXT_COLUMNS))
    .raw();
  return {
    read: (checkpoint, limit, maxBytes) =>
      rowsWithinBytes(select, [checkpoint, limit], maxBytes, storedSize).map(toChangeset),
    readText: (checkpoint, limit, maxBytes) =>
      rowsWithinBytes(selectText, [checkpoint, limit], maxBytes, storedSize).map(toChangesetText),
  };
}

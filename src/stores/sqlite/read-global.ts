import type { Database } from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { Checkpoint, IndexedChangeset, IndexedChangesetText } from '../../core/index.js';
import { withinBytes } from '../../core/index.js';
import type { ChangesetRow, ChangesetTextRow } from './rows.js';
import {
  CHANGESET_COLUMNS,
  CHANGESET_TEXT_COLUMNS,
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
 * The rows of a page: all at once, or, with `maxBytes`, one at a time until the page is full,
 * so that rows past it are never read.
 */
function pageRows<Row extends ChangesetRow | ChangesetTextRow>(
  statement: Statement<[Checkpoint, number], Row>,
  checkpoint: Checkpoint,
  limit: number,
  maxBytes: number | undefined,
): Row[] {
  if (maxBytes === undefined) return statement.all(checkpoint, limit);
  return withinBytes(statement.iterate(checkpoint, limit), maxBytes, storedSize);
}

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
      pageRows(select, checkpoint, limit, maxBytes).map(toChangeset),
    readText: (checkpoint, limit, maxBytes) =>
      pageRows(selectText, checkpoint, limit, maxBytes).map(toChangesetText),
  };
}

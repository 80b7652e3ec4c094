import type { Database } from 'better-sqlite3';
import type { Checkpoint, ProjectionState } from '../../core/index.js';
import { decodeProjectionState, encodeProjectionState } from '../projection-state.js';

interface ProjectionRow {
  readonly checkpoint: number;
  /** JSON text; SQL NULL for an `undefined` state, which JSON cannot spell. */
  readonly state: string | null;
}

/** A projection's saved progress; `undefined` when it never saved any. */
export function prepareReadProjection(db: Database): (name: string) => ProjectionState | undefined {
  const select = db.prepare<[string], ProjectionRow>(
    'SELECT checkpoint, state FROM projections WHERE name = ?',
  );
  return (name) => {
    const row = select.get(name);
    return row === undefined
      ? undefined
      : { checkpoint: row.checkpoint, state: decodeProjectionState(row.state) };
  };
}

/**
 * Compare-and-set on the saved checkpoint, each case one statement and so atomic on its own:
 * the first save inserts only if no row exists, later saves update only the row still at
 * `previous`. Of two runners folding the same page, exactly one saves; the other learns from
 * `false` that its work is stale.
 */
export function prepareWriteProjection(
  db: Database,
): (name: string, next: ProjectionState, previous: Checkpoint | undefined) => boolean {
  const insert = db.prepare<[string, Checkpoint, string | null]>(
    'INSERT INTO projections (name, checkpoint, state) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
  );
  const update = db.prepare<[Checkpoint, string | null, string, Checkpoint]>(
    'UPDATE projections SET checkpoint = ?, state = ? WHERE name = ? AND checkpoint = ?',
  );
  return (name, next, previous) => {
    const state = encodeProjectionState(next.state);
    const result =
      previous === undefined
        ? insert.run(name, next.checkpoint, state)
        : update.run(next.checkpoint, state, name, previous);
    return result.changes === 1;
  };
}

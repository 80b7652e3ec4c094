import type { Pool } from 'pg';
import type { Checkpoint, ProjectionState } from '../../core/index.js';
import { decodeProjectionState, encodeProjectionState } from '../projection-state.js';
import type { SchemaName } from './schema-name.js';

interface ProjectionRow {
  readonly checkpoint: number;
  /** JSON text, so a NULL (`undefined` state) stays apart from the JSON `null`. */
  readonly state: string | null;
}

/** A projection's saved progress; `undefined` when it never saved any. */
export function prepareReadProjection(
  pool: Pool,
  schema: SchemaName,
): (name: string) => Promise<ProjectionState | undefined> {
  const text = `SELECT checkpoint, state::text AS state FROM ${schema.quoted}.projections WHERE name = $1::text`;
  return async (name) => {
    const { rows } = await pool.query<ProjectionRow>({ text, values: [name] });
    const row = rows[0];
    return row === undefined
      ? undefined
      : { checkpoint: row.checkpoint, state: decodeProjectionState(row.state) };
  };
}

/**
 * Compare-and-set on the saved checkpoint, each case one statement and so atomic on its own:
 * the first save inserts only if no row exists, later saves update only the row still at
 * `previous`. Two concurrent updates from one `previous` queue on the row lock; under READ
 * COMMITTED the second re-checks the condition against the first's result and updates nothing.
 * Of two runners folding the same page, exactly one saves; the other learns from `false` that
 * its work is stale.
 */
export function prepareWriteProjection(
  pool: Pool,
  schema: SchemaName,
): (name: string, next: ProjectionState, previous: Checkpoint | undefined) => Promise<boolean> {
  const table = `${schema.quoted}.projections`;
  const insert = `
    INSERT INTO ${table} (name, checkpoint, state) VALUES ($1::text, $2::bigint, $3::json)
    ON CONFLICT (name) DO NOTHING
  `;
  const update = `
    UPDATE ${table} SET checkpoint = $2::bigint, state = $3::json
    WHERE name = $1::text AND checkpoint = $4::bigint
  `;
  return async (name, next, previous) => {
    const state = encodeProjectionState(next.state);
    const result =
      previous === undefined
        ? await pool.query({ text: insert, values: [name, next.checkpoint, state] })
        : await pool.query({ text: update, values: [name, next.checkpoint, state, previous] });
    return result.rowCount === 1;
  };
}

import type { Pool } from 'pg';
import type { Changeset } from '../../core/index.js';
import { changesetsTable } from './rows.js';
import type { SchemaName } from './schema-name.js';
import { withTransaction } from './transaction.js';

/** The parameters each changeset of `appendInOrderSql` takes. */
const PARAMETERS_PER_CHANGESET = 7;

/** Most changesets one statement appends: 7,000 parameters, of PostgreSQL's 65,535. */
const MAX_PER_STATEMENT = 1000;

/**
 * Appends `count` changesets given whole, in the order given, when every one of them follows
 * its stream's last changeset: the stream's previous one in the list, or for a stream's first
 * in the list its last one in the table (changeset number one less, event ids going on from
 * its last), or, for changeset 1, events numbered from 1. If any does not, nothing is
 * inserted. A changeset the table has
 * already is left out (`ON CONFLICT DO NOTHING`), so `appended` then falls short of `count`,
 * which is the caller's sign to roll back.
 *
 * The rows are inserted in the given order (`ORDER BY g.n`), so their `seq`s, and with them
 * the checkpoints the indexer gives, follow it (see `indexer.ts`).
 *
 * Parameters: seven per changeset: stream id, changeset number, first and last event id,
 * timestamp, metadata, events.
 */
export const appendInOrderSql = (schema: SchemaName, count: number): string => {
  const table = changesetsTable(schema);
  const rows = Array.from({ length: count }, (_, i) => {
    const p = 1 + i * PARAMETERS_PER_CHANGESET;
    return `(${i}, $${p}::text, $${p + 1}::integer, $${p + 2}::bigint, $${p + 3}::bigint, $${p + 4}::text, $${p + 5}::json, $${p + 6}::json)`;
  });
  return `
  WITH given (n, stream_id, changeset_id, first_event_id, last_event_id, timestamp, metadata, events)
    AS (VALUES ${rows.join(', ')}),
  ordered AS (
    SELECT g.*, lag(g.changeset_id) OVER stream AS previous_changeset_id,
           lag(g.last_event_id) OVER stream AS previous_last_event_id
    FROM given AS g
    WINDOW stream AS (PARTITION BY g.stream_id ORDER BY g.n)
  ),
  unfollowed AS (
    SELECT 1 FROM ordered AS o
    WHERE NOT CASE
      WHEN o.previous_changeset_id IS NOT NULL
        THEN o.previous_changeset_id = o.changeset_id - 1
         AND o.previous_last_event_id = o.first_event_id - 1
      ELSE (o.changeset_id = 1 AND o.first_event_id = 1) OR EXISTS (
        SELECT 1 FROM ${table} AS p
        WHERE p.stream_id = o.stream_id AND p.changeset_id = o.changeset_id - 1
          AND p.last_event_id = o.first_event_id - 1)
    END
  ),
  appended AS (
    INSERT INTO ${table}
      (stream_id, changeset_id, first_event_id, last_event_id, timestamp, metadata, events)
    SELECT g.stream_id, g.changeset_id, g.first_event_id, g.last_event_id, g.timestamp,
           g.metadata, g.events
    FROM given AS g
    WHERE NOT EXISTS (SELECT 1 FROM unfollowed)
    ORDER BY g.n
    ON CONFLICT DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::integer AS appended FROM appended
`;
};

/** Whether a changeset has events, and event ids that span exactly those. */
const wellNumbered = (changeset: Changeset): boolean =>
  changeset.events.length > 0 &&
  changeset.changesetId >= 1 &&
  changeset.firstEventId >= 1 &&
  changeset.lastEventId - changeset.firstEventId + 1 === changeset.events.length;

/** Thrown inside the transaction to roll it back: a changeset did not follow. */
class NotAppended extends Error {}

/**
 * `EventStore.appendInOrder`: one transaction, one statement per thousand changesets, each
 * statement seeing the rows of the ones before it.
 */
export function prepareAppendInOrder(
  pool: Pool,
  schema: SchemaName,
): (changesets: readonly Changeset[]) => Promise<boolean> {
  return async (changesets) => {
    if (changesets.length === 0) return true;
    if (!changesets.every(wellNumbered)) return false;
    try {
      await withTransaction(pool, 'BEGIN ISOLATION LEVEL READ COMMITTED', async (client) => {
        for (let start = 0; start < changesets.length; start += MAX_PER_STATEMENT) {
          const chunk = changesets.slice(start, start + MAX_PER_STATEMENT);
          const values: unknown[] = [];
          for (const changeset of chunk) {
            values.push(
              changeset.streamId,
              changeset.changesetId,
              changeset.firstEventId,
              changeset.lastEventId,
              changeset.timestamp,
              JSON.stringify(changeset.metadata),
              JSON.stringify(changeset.events),
            );
          }
          const { rows } = await client.query<{ appended: number }>(
            appendInOrderSql(schema, chunk.length),
            values,
          );
          if (rows[0]?.appended !== chunk.length) throw new NotAppended();
        }
      });
      return true;
    } catch (error) {
      if (error instanceof NotAppended) return false;
      throw error;
    }
  };
}

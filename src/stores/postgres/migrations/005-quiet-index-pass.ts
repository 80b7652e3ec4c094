import type { Migration } from './migration.js';

/**
 * `index_pass` (migration 003) with one change: a pass that finds nothing to index writes
 * nothing. The first version advanced `next_checkpoint` by zero, which still wrote a new row
 * version, a WAL record and a flush: every instance's poll made an idle database write ten times
 * a second. Now the position is only updated, and the NOTIFY only sent, when checkpoints were
 * assigned. The argument for gapless checkpoints is unchanged: the assignment still reads
 * `next_checkpoint` after the lock, in the same statement that numbers the rows, and the
 * position is advanced in the same transaction, before the lock is released.
 */
export const quietIndexPass: Migration = {
  version: 5,
  name: 'quiet-index-pass',
  sql: ({ quoted: s }) => `
    CREATE OR REPLACE FUNCTION ${s}.index_pass(
      batch_size bigint, wait boolean, lock_purpose integer, lock_schema integer, channel text
    )
    RETURNS TABLE (locked boolean, assigned bigint, streams text[], next_checkpoint bigint)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $pass$
    DECLARE
      start bigint;
      payload text;
    BEGIN
      IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'index_pass needs READ COMMITTED, not %',
          current_setting('transaction_isolation');
      END IF;
      IF wait THEN
        PERFORM pg_advisory_xact_lock(lock_purpose, lock_schema);
      ELSIF NOT pg_try_advisory_xact_lock(lock_purpose, lock_schema) THEN
        RETURN QUERY
          SELECT false, 0::bigint, '{}'::text[], g.next_checkpoint
          FROM ${s}.global_position AS g WHERE g.id = 1;
        RETURN;
      END IF;

      WITH position AS (
        SELECT g.next_checkpoint FROM ${s}.global_position AS g WHERE g.id = 1
      ),
      batch AS (
        SELECT c.stream_id, c.changeset_id, row_number() OVER (ORDER BY c.seq) - 1 AS n
        FROM ${s}.changesets AS c
        WHERE c.checkpoint IS NULL
        ORDER BY c.seq
        LIMIT batch_size
      ),
      indexed AS (
        UPDATE ${s}.changesets AS c
        SET checkpoint = position.next_checkpoint + batch.n
        FROM batch, position
        WHERE c.stream_id = batch.stream_id AND c.changeset_id = batch.changeset_id
        RETURNING c.stream_id
      )
      SELECT position.next_checkpoint,
             (SELECT count(*) FROM indexed),
             (SELECT coalesce(array_agg(DISTINCT i.stream_id), '{}') FROM indexed AS i)
      INTO start, assigned, streams
      FROM position;

      locked := true;
      next_checkpoint := start + assigned;
      IF assigned > 0 THEN
        UPDATE ${s}.global_position AS g SET next_checkpoint = start + assigned WHERE g.id = 1;
        payload := to_json(streams)::text;
        PERFORM pg_notify(channel, CASE WHEN octet_length(payload) <= 7900 THEN payload ELSE '' END);
      END IF;
      RETURN NEXT;
    END;
    $pass$;
  `,
};

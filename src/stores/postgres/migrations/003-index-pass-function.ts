import type { Migration } from './migration.js';

/**
 * The indexer pass as one function, so that a pass costs one round trip instead of five
 * (BEGIN, lock, assign, NOTIFY, COMMIT). Passes run after nearly every commit, and on a small
 * machine the client and the server spend as much on those round trips as on the assignment.
 * The argument for gapless checkpoints (see `indexer.ts`) carries over unchanged:
 *
 * - It is called alone, in autocommit, on a READ COMMITTED session (the pool sets it; the
 *   function refuses anything else), so the transaction lock it takes is released by the
 *   statement's commit, after the assignment is durable and visible.
 * - It is VOLATILE: under READ COMMITTED every query inside it takes a fresh snapshot, so the
 *   assignment, which runs after the lock is granted, sees the previous pass's commit.
 * - The NOTIFY is sent by the same transaction, so it is delivered only once the checkpoints it
 *   announces are readable. Its payload is the JSON array of the streams, or `''` ("any
 *   stream") when that would not fit in PostgreSQL's 8000-byte limit.
 */
export const indexPassFunction: Migration = {
  version: 3,
  name: 'index-pass-function',
  sql: ({ quoted: s }) => `
    CREATE FUNCTION ${s}.index_pass(
      batch_size bigint, wait boolean, lock_purpose integer, lock_schema integer, channel text
    )
    RETURNS TABLE (locked boolean, assigned bigint, streams text[], next_checkpoint bigint)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $pass$
    DECLARE
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

      WITH batch AS (
        SELECT c.stream_id, c.changeset_id, row_number() OVER (ORDER BY c.seq) - 1 AS n
        FROM ${s}.changesets AS c
        WHERE c.checkpoint IS NULL
        ORDER BY c.seq
        LIMIT batch_size
      ),
      position AS (
        SELECT g.next_checkpoint FROM ${s}.global_position AS g WHERE g.id = 1
      ),
      indexed AS (
        UPDATE ${s}.changesets AS c
        SET checkpoint = position.next_checkpoint + batch.n
        FROM batch, position
        WHERE c.stream_id = batch.stream_id AND c.changeset_id = batch.changeset_id
        RETURNING c.stream_id
      ),
      counted AS (
        SELECT count(*) AS assigned, coalesce(array_agg(DISTINCT i.stream_id), '{}') AS streams
        FROM indexed AS i
      )
      UPDATE ${s}.global_position AS g
      SET next_checkpoint = g.next_checkpoint + counted.assigned
      FROM counted
      WHERE g.id = 1
      RETURNING true, counted.assigned, counted.streams, g.next_checkpoint
      INTO locked, assigned, streams, next_checkpoint;

      IF assigned > 0 THEN
        payload := to_json(streams)::text;
        PERFORM pg_notify(channel, CASE WHEN octet_length(payload) <= 7900 THEN payload ELSE '' END);
      END IF;
      RETURN NEXT;
    END;
    $pass$;
  `,
};

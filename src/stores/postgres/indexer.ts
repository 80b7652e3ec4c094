import type { Pool } from 'pg';
import { changesChannel, indexerLock, lockArguments } from './advisory-locks.js';
import { changesPayload } from './notifications.js';
import type { SchemaName } from './schema-name.js';
import { changesetsTable } from './rows.js';
import { withTransaction } from './transaction.js';

/*
 * Why the global enumeration is gapless, though PostgreSQL commits concurrently.
 *
 * The hazard. Identity and sequence values are drawn when a row is inserted, not when its
 * transaction commits. Writer A draws 100, writer B draws 101, B commits first: a reader that
 * paged by `seq` would see 101, move past it, and never see 100 when A commits. Exposing `seq`
 * (or any value drawn inside the writing transaction) as the checkpoint would lose changesets.
 *
 * The cure. Checkpoints are assigned after commit, by an indexer, to rows that are already
 * visible:
 *
 * 1. One pass at a time. A pass runs in one transaction that first takes an advisory
 *    transaction lock. Passes on every instance sharing the schema therefore run one after
 *    another; the lock is released only after the previous pass's commit is visible.
 * 2. A fresh snapshot after the lock. The assignment is a separate statement after the lock
 *    statement, and the transaction is READ COMMITTED, so it sees everything committed before
 *    it started, including the previous pass's assignments and `next_checkpoint`.
 * 3. A contiguous run per pass. The pass numbers the visible unindexed rows by `seq`
 *    (`row_number() - 1`), adds `next_checkpoint`, and advances `next_checkpoint` by the count,
 *    all in one statement of one transaction.
 *
 * Passes commit in order and each appends the run right after the previous one, so the
 * assigned checkpoints are always 0..n-1 with no hole, and a reader's snapshot, which sees a
 * prefix of the committed passes (pass k+1 began after pass k committed), sees 0..m with no hole
 * either. A reader that has passed checkpoint 101 can never discover a 100 later: every
 * checkpoint is given once, to a row already committed, and never changes. Rows still
 * uncommitted when a pass looks are simply left for a later pass and get later checkpoints.
 *
 * Intra-stream order. Changeset n+1 of a stream is inserted by a statement whose snapshot
 * already contains changeset n (its head check saw n), so n committed before that statement
 * drew its `seq`; n's `seq` was drawn before n committed. Hence seq(n) < seq(n+1), and whenever
 * n+1 is visible to a pass, n is too: either n already has a checkpoint, or both are in the
 * candidates and n, with the lower `seq`, comes first (also across a batch boundary, since the
 * batch takes the lowest `seq`s). So changeset n always gets the lower checkpoint.
 *
 * The unique constraint on `checkpoint` backs all this up: an indexer that somehow ran without
 * the lock would fail rather than give one checkpoint twice.
 */

/**
 * Assigns the next `$1` checkpoints to the oldest (by `seq`) visible rows without one, and
 * advances the global position by as many, in one statement. The partial index on `seq`
 * `WHERE checkpoint IS NULL` makes finding them one short scan.
 */
export const indexPassSql = (schema: SchemaName): string => `
  WITH batch AS (
    SELECT seq, row_number() OVER (ORDER BY seq) - 1 AS n
    FROM ${changesetsTable(schema)}
    WHERE checkpoint IS NULL
    ORDER BY seq
    LIMIT $1::bigint
  ),
  position AS (
    SELECT next_checkpoint FROM ${schema.quoted}.global_position WHERE id = 1
  ),
  assigned AS (
    UPDATE ${changesetsTable(schema)} AS c
    SET checkpoint = position.next_checkpoint + batch.n
    FROM batch, position
    WHERE c.seq = batch.seq
    RETURNING c.stream_id
  ),
  counted AS (
    SELECT count(*) AS assigned, coalesce(array_agg(DISTINCT stream_id), '{}') AS streams
    FROM assigned
  )
  UPDATE ${schema.quoted}.global_position
  SET next_checkpoint = next_checkpoint + counted.assigned
  FROM counted
  WHERE id = 1
  RETURNING counted.assigned, counted.streams, next_checkpoint
`;

export interface IndexPassResult {
  /** Whether this pass held the indexer lock; `false` when another pass had it. */
  readonly locked: boolean;
  /** How many checkpoints it assigned. */
  readonly assigned: number;
  /** The streams of the changesets it indexed. */
  readonly streams: readonly string[];
  /**
   * The next checkpoint to be assigned as the pass saw it: how far the enumeration reaches,
   * whichever instance indexed it.
   */
  readonly position: number;
}

interface PassRow {
  readonly assigned: number;
  readonly streams: string[];
  readonly next_checkpoint: number;
}

/**
 * One indexer pass: lock, assign up to `batchSize` checkpoints, commit. With `wait`, waits for
 * a pass running elsewhere to finish; without, gives up at once, since that pass will index
 * what this one would have (or the next poll will).
 */
export function prepareIndexPass(
  pool: Pool,
  schema: SchemaName,
  batchSize: number,
): (wait: boolean) => Promise<IndexPassResult> {
  const lock = lockArguments(indexerLock(schema));
  const text = indexPassSql(schema);
  const channel = changesChannel(schema);
  const notify = { name: 'ees-index-notify', text: 'SELECT pg_notify($1, $2)' };
  const readPosition = `SELECT next_checkpoint FROM ${schema.quoted}.global_position WHERE id = 1`;
  return (wait) =>
    withTransaction(pool, 'BEGIN ISOLATION LEVEL READ COMMITTED', async (client) => {
      if (wait) {
        await client.query(`SELECT pg_advisory_xact_lock(${lock})`);
      } else {
        const { rows } = await client.query<{ locked: boolean }>(
          `SELECT pg_try_advisory_xact_lock(${lock}) AS locked`,
        );
        if (rows[0]?.locked !== true) {
          const position = await client.query<{ next_checkpoint: number }>(readPosition);
          return {
            locked: false,
            assigned: 0,
            streams: [],
            position: position.rows[0]?.next_checkpoint ?? 0,
          };
        }
      }
      const {
        rows: [row],
      } = await client.query<PassRow>({ name: 'ees-index-pass', text, values: [batchSize] });
      if (row === undefined) throw new Error('The global position row is missing');
      // Delivered when this transaction commits, so listeners never hear of checkpoints they
      // cannot read yet.
      if (row.assigned > 0) await client.query(notify, [channel, changesPayload(row.streams)]);
      return {
        locked: true,
        assigned: row.assigned,
        streams: row.streams,
        position: row.next_checkpoint,
      };
    });
}

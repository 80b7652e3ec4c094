import type { Pool } from 'pg';
import { changesChannel, indexerLock } from './advisory-locks.js';
import type { SchemaName } from './schema-name.js';

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
 * 2. A fresh snapshot after the lock. The assignment is a separate query after the lock, in a
 *    VOLATILE function under READ COMMITTED, so it sees everything committed before it started,
 *    including the previous pass's assignments and `next_checkpoint`.
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
 * The pass itself is the function `index_pass` (migrations 003 and 005). The unique index on
 * `checkpoint` backs all this up: an indexer that somehow ran without the lock would fail rather
 * than give one checkpoint twice.
 */

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
  readonly locked: boolean;
  readonly assigned: number;
  readonly streams: string[];
  readonly next_checkpoint: number;
}

/**
 * One indexer pass: lock, assign up to `batchSize` checkpoints to the oldest (by `seq`) visible
 * rows without one, advance the global position by as many, announce the streams, commit. With
 * `wait`, waits for a pass running elsewhere to finish; without, gives up at once, since that
 * pass will index what this one would have (or the next poll will).
 *
 * The pass is the function `index_pass` (migrations 003 and 005): one round trip, one
 * autocommitted statement, so the transaction lock it takes is released by its commit.
 */
export function prepareIndexPass(
  pool: Pool,
  schema: SchemaName,
  batchSize: number,
): (wait: boolean) => Promise<IndexPassResult> {
  const lock = indexerLock(schema);
  const query = {
    name: 'ees-index-pass',
    text: `SELECT locked, assigned, streams, next_checkpoint
           FROM ${schema.quoted}.index_pass($1::bigint, $2::boolean, $3::integer, $4::integer, $5::text)`,
  };
  const channel = changesChannel(schema);
  return async (wait) => {
    const { rows } = await pool.query<PassRow>({
      ...query,
      values: [batchSize, wait, lock.purpose, lock.schema, channel],
    });
    const row = rows[0];
    if (row === undefined) throw new Error('The global position row is missing');
    return {
      locked: row.locked,
      assigned: row.assigned,
      streams: row.streams,
      position: row.next_checkpoint,
    };
  };
}

import type { Database } from 'better-sqlite3';
import type { CommitRequest, CommitResult, Expectation, StreamHead } from '../../core/index.js';
import {
  EMPTY_STREAM,
  changesetFromJson,
  changesetJsonOf,
  decideCommit,
} from '../../core/index.js';
import type { ChangesetRow } from './rows.js';
import { CHANGESET_COLUMNS, rowsWithinBytes, storedSize, toChangeset } from './rows.js';
import { prepareFirstChangesetEndingAtOrAfter } from './event-bounds.js';
import { prepareStreamHead } from './stream-head.js';

/**
 * The changesets a conflicting writer gets back (core `isForthcoming`): those after the one it
 * expected, found by index range rather than by reading the whole stream. For an event
 * expectation, the first of them is found by binary search (`event-bounds.ts`).
 */
export const forthcomingSql = `
  SELECT ${CHANGESET_COLUMNS} FROM changesets
  WHERE stream_id = ? AND changeset_id > ?
  ORDER BY changeset_id
`;

/**
 * The next checkpoint is computed by the insert itself, under the write lock: no two commits can
 * read the same maximum, and a rolled-back commit leaves no hole, which keeps checkpoints
 * gapless. `MAX` of the rowid is a single seek.
 */
export const insertChangesetSql = `
  INSERT INTO changesets (${CHANGESET_COLUMNS})
  VALUES (
    (SELECT COALESCE(MAX(checkpoint), -1) + 1 FROM changesets),
    @streamId, @changesetId, @firstEventId, @lastEventId, @timestamp, @metadata, @events
  )
  RETURNING checkpoint
`;

export interface InsertParams {
  readonly streamId: string;
  readonly changesetId: number;
  readonly firstEventId: number;
  readonly lastEventId: number;
  readonly timestamp: string;
  readonly metadata: string;
  readonly events: string;
}

/** What one commit of a batch came to: its result, or the error that undid it alone. */
export type CommitOutcome =
  | { readonly ok: true; readonly result: CommitResult }
  | { readonly ok: false; readonly error: unknown };

/**
 * Appends a batch of changesets, each when its own expectation holds, in one transaction and so
 * with one fsync (group commit). The transaction is `BEGIN IMMEDIATE`: it takes the database's
 * write lock before reading, so no other connection or process can commit between a check and
 * its write. (A deferred transaction would read an older snapshot and then fail to upgrade,
 * without waiting.) Commits run in order: a later commit sees the earlier ones exactly as if
 * they had been committed one by one (two writers with the same expectation: the second gets a
 * conflict listing the first). A commit writes with one statement, and SQLite undoes a failed
 * statement alone: a commit that fails (before or in its insert) leaves nothing behind and
 * never takes its batch-mates with it, with no savepoint to pay for.
 */
export function prepareCommit(
  db: Database,
  clock: () => Date,
): (requests: readonly CommitRequest[]) => CommitOutcome[] {
  const headOf = prepareStreamHead(db);
  const forthcoming = db.prepare<[string, number], ChangesetRow>(forthcomingSql).raw();
  const firstEndingAtOrAfter = prepareFirstChangesetEndingAtOrAfter(db);
  /** The changeset a conflicting expectation names as the last one it knows of. */
  const knownUpTo = (streamId: string, expectation: Expectation, head: StreamHead): number =>
    expectation.kind === 'changeset'
      ? expectation.lastChangesetId
      : (firstEndingAtOrAfter(streamId, expectation.lastEventId + 1, head) ??
          head.lastChangesetId + 1) - 1;
  const insert = db.prepare<InsertParams, number>(insertChangesetSql).pluck();

  const commit = (request: CommitRequest): CommitResult => {
    const { streamId, expectation } = request;
    const head = headOf(streamId) ?? EMPTY_STREAM;
    const decision = decideCommit(head, expectation, request.events.length);
    switch (decision.outcome) {
      case 'conflict': {
        const after = knownUpTo(streamId, expectation, head);
        const rows = rowsWithinBytes(
          forthcoming,
          [streamId, after],
          request.maxForthcomingBytes,
          storedSize,
        );
        return { status: 'conflict', forthcoming: rows.map(toChangeset) };
      }
      case 'ahead':
        return { status: 'ahead', head };
      case 'commit': {
        const json = changesetJsonOf(request);
        const fields = {
          streamId,
          changesetId: decision.changesetId,
          firstEventId: decision.firstEventId,
          lastEventId: decision.lastEventId,
          timestamp: request.timestamp ?? clock().toISOString(),
        };
        const checkpoint = insert.get({ ...fields, metadata: json.metadata, events: json.events });
        if (checkpoint === undefined) throw new Error('INSERT ... RETURNING returned no row');
        // Its events and metadata are parsed from the text just stored if the caller reads
        // them, so that they equal what a later read returns.
        return {
          status: 'committed',
          changeset: changesetFromJson({ ...fields, checkpoint }, json),
        };
      }
    }
  };

  const batch = db.transaction((requests: readonly CommitRequest[]): CommitOutcome[] =>
    requests.map((request) => {
      try {
        return { ok: true, result: commit(request) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );
  return (requests) => batch.immediate(requests);
}

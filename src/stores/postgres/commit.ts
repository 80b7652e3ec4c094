import type { Pool } from 'pg';
import type { CommitRequest, CommitResult, Expectation, StreamHead } from '../../core/index.js';
import {
  EMPTY_STREAM,
  changesetFromJson,
  changesetJsonOf,
  decideCommit,
  errors,
  expectedValue,
} from '../../core/index.js';
import type { ChangesetRow } from './rows.js';
import { CHANGESET_COLUMNS, changesetsTable, toChangeset } from './rows.js';
import type { SchemaName } from './schema-name.js';
import { firstEndingAtOrAfter, streamHeadQuery } from './event-bounds.js';
import { prepareStreamHead } from './stream-head.js';

/** Which column of the head an expectation names. */
const HEAD_COLUMN: Record<Expectation['kind'], string> = {
  changeset: 'head.changeset_id',
  event: 'head.last_event_id',
};

/**
 * The whole commit in one autocommitted statement: read the stream's head (one backward seek,
 * 0/0 for a new stream), insert the next changeset only if the head is where the writer
 * expected, and return it.
 *
 * Why this is safe under READ COMMITTED: the head is read from the statement's snapshot, which
 * may be stale, but a stream's changesets are numbered without gaps, so a stale head means the
 * changeset number we insert already exists (committed, or being inserted by a transaction
 * still open). `UNIQUE (stream_id, changeset_id)` then makes this insert wait for that
 * transaction and, once it commits, do nothing (`ON CONFLICT DO NOTHING`, no error, no
 * transaction to retry). If it rolls back, ours goes in. Of two writers with one expectation
 * exactly one inserts.
 */
export const insertChangesetSql = (schema: SchemaName, kind: Expectation['kind']): string => `
  INSERT INTO ${changesetsTable(schema)}
    (stream_id, changeset_id, first_event_id, last_event_id, timestamp, metadata, events)
  SELECT $1::text, head.changeset_id + 1, head.last_event_id + 1, head.last_event_id + $3::integer,
         $4::text, $5::json, $6::json
  FROM (
    SELECT coalesce(last.changeset_id, 0) AS changeset_id,
           coalesce(last.last_event_id, 0) AS last_event_id
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
      SELECT changeset_id, last_event_id FROM ${changesetsTable(schema)}
      WHERE stream_id = $1::text
      ORDER BY changeset_id DESC
      LIMIT 1
    ) AS last ON true
  ) AS head
  WHERE ${HEAD_COLUMN[kind]} = $2::bigint
  ON CONFLICT DO NOTHING
  RETURNING changeset_id, first_event_id, last_event_id
`;

/**
 * The changesets a conflicting writer gets back (core `isForthcoming`), found by index range
 * rather than by reading the whole stream.
 */
export const forthcomingSql = (schema: SchemaName, kind: Expectation['kind']): string =>
  kind === 'changeset'
    ? `SELECT ${CHANGESET_COLUMNS} FROM ${changesetsTable(schema)}
       WHERE stream_id = $1::text AND changeset_id > $2::bigint
       ORDER BY changeset_id`
    : // The first changeset ending after the expected event, by binary search (no index on
      // last event ids), and every one after it.
      `WITH RECURSIVE ${streamHeadQuery(schema)},
         ${firstEndingAtOrAfter(schema, 'bound', '$2::bigint + 1')}
       SELECT ${CHANGESET_COLUMNS} FROM ${changesetsTable(schema)}
       WHERE stream_id = $1::text
         AND changeset_id >= (SELECT low FROM bound WHERE low = high)
       ORDER BY changeset_id`;

interface InsertedRow {
  readonly changeset_id: number;
  readonly first_event_id: number;
  readonly last_event_id: number;
}

/**
 * How often a commit re-runs after its insert did nothing and a fresh look at the head says it
 * should have gone in: each time, a concurrent writer's changeset rolled back or became visible
 * in between. Needing more than a few rounds means the stream is churning pathologically, and
 * the client is told to retry later.
 */
const MAX_ATTEMPTS = 5;

/**
 * Appends a changeset when its expectation holds. The normal case is one statement and one
 * round trip. When the insert does nothing, the expectation did not match or a concurrent
 * writer won: a second look at the head, classified by core `decideCommit`, says which.
 *
 * Returns `checkpoint: null`: checkpoints are assigned by the indexer after the commit.
 */
export function prepareCommit(
  pool: Pool,
  schema: SchemaName,
  clock: () => Date,
): (request: CommitRequest) => Promise<CommitResult> {
  const headOf = prepareStreamHead(pool, schema);
  const insertSql = {
    changeset: insertChangesetSql(schema, 'changeset'),
    event: insertChangesetSql(schema, 'event'),
  };
  const selectForthcoming = {
    changeset: forthcomingSql(schema, 'changeset'),
    event: forthcomingSql(schema, 'event'),
  };

  const forthcoming = async (streamId: string, expectation: Expectation): Promise<CommitResult> => {
    const { rows } = await pool.query<ChangesetRow>({
      name: `ees-forthcoming-${expectation.kind}`,
      text: selectForthcoming[expectation.kind],
      values: [streamId, expectedValue(expectation)],
    });
    return { status: 'conflict', forthcoming: rows.map(toChangeset) };
  };

  return async (request) => {
    const { streamId, expectation } = request;
    const json = changesetJsonOf(request);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const timestamp = clock().toISOString();
      const { rows } = await pool.query<InsertedRow>({
        name: `ees-commit-${expectation.kind}`,
        text: insertSql[expectation.kind],
        values: [
          streamId,
          expectedValue(expectation),
          request.events.length,
          timestamp,
          json.metadata,
          json.events,
        ],
      });
      const row = rows[0];
      if (row !== undefined) {
        return {
          status: 'committed',
          // Built from what was sent rather than returned (a changeset may be 400 KB): its
          // events and metadata are parsed from the text just written if the caller reads them,
          // so that they equal what a later read returns.
          changeset: changesetFromJson(
            {
              streamId,
              changesetId: row.changeset_id,
              firstEventId: row.first_event_id,
              lastEventId: row.last_event_id,
              timestamp,
              checkpoint: null,
            },
            json,
          ),
        };
      }
      const head: StreamHead = (await headOf(streamId)) ?? EMPTY_STREAM;
      const decision = decideCommit(head, expectation, request.events.length);
      if (decision.outcome === 'conflict') return forthcoming(streamId, expectation);
      if (decision.outcome === 'ahead') return { status: 'ahead', head };
    }
    throw errors.storeUnavailable(
      new Error(
        `The commit to stream "${streamId}" lost ${MAX_ATTEMPTS} races with concurrent writers that rolled back.`,
      ),
    );
  };
}

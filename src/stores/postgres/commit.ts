import type { Pool } from 'pg';
import type {
  ChangesetJson,
  CommitRequest,
  CommitResult,
  Expectation,
  StreamHead,
} from '../../core/index.js';
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
import { lastChangesetSql, prepareStreamHead } from './stream-head.js';
import { createBatcher } from './batcher.js';
import { storedSizeSql, withinBytesSql } from './within-bytes.js';
import { isConnectionError } from './postgres-errors.js';

/** The parameters each changeset of a batched insert takes. */
const PARAMETERS_PER_CHANGESET = 7;

/**
 * Inserts up to `count` changesets of distinct streams in one autocommitted statement: for each
 * one, read its stream's head (one backward seek, 0/0 for a new stream), insert the next
 * changeset only if the head is where its writer expected, and return what went in.
 *
 * Parameters: seven per changeset: stream id, expected value, whether that value is an event id
 * (otherwise a changeset id), event count, metadata, events, timestamp.
 *
 * Why this is safe under READ COMMITTED: the head is read from the statement's snapshot, which
 * may be stale, but a stream's changesets are numbered without gaps, so a stale head means the
 * changeset number we insert already exists (committed, or being inserted by a transaction
 * still open). `PRIMARY KEY (stream_id, changeset_id)` then makes this insert wait for that
 * transaction and, once it commits, skip the row (`ON CONFLICT DO NOTHING`, no error, no
 * transaction to retry). If it rolls back, ours goes in. Of two writers with one expectation
 * exactly one inserts, and the other changesets of the batch are unaffected.
 *
 * Rows are inserted in the order given (`ORDER BY r.n`), which the caller sorts by stream id:
 * two batches that wait for each other's rows then always wait in the same order and cannot
 * deadlock.
 */
export const insertChangesetsSql = (schema: SchemaName, count: number): string => {
  const rows = Array.from({ length: count }, (_, i) => {
    const p = 1 + i * PARAMETERS_PER_CHANGESET;
    return `(${i}, $${p}::text, $${p + 1}::bigint, $${p + 2}::boolean, $${p + 3}::integer, $${p + 4}::json, $${p + 5}::json, $${p + 6}::text)`;
  });
  return `
  INSERT INTO ${changesetsTable(schema)}
    (stream_id, changeset_id, first_event_id, last_event_id, timestamp, metadata, events)
  SELECT r.stream_id, head.changeset_id + 1, head.last_event_id + 1,
         head.last_event_id + r.event_count, r.timestamp, r.metadata, r.events
  FROM (VALUES ${rows.join(', ')})
    AS r (n, stream_id, expected, by_event, event_count, metadata, events, timestamp)
  CROSS JOIN LATERAL (
    SELECT coalesce(last.changeset_id, 0) AS changeset_id,
           coalesce(last.last_event_id, 0) AS last_event_id
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (${lastChangesetSql(schema, 'r.stream_id')}) AS last ON true
  ) AS head
  WHERE CASE WHEN r.by_event THEN head.last_event_id ELSE head.changeset_id END = r.expected
  ORDER BY r.n
  ON CONFLICT DO NOTHING
  RETURNING stream_id, changeset_id, last_event_id
`;
};

/** A commit request with its events and metadata serialised. */
export type SerialisedRequest = CommitRequest & { readonly json: ChangesetJson };

/**
 * The parameters of `insertChangesetsSql` for these requests, each stamped with its own
 * `timestamp` if it has one, `timestamp` otherwise.
 */
export const insertChangesetsParameters = (
  requests: readonly SerialisedRequest[],
  timestamp: string,
): unknown[] => {
  const values: unknown[] = [];
  for (const request of requests) {
    const { json } = request;
    values.push(
      request.streamId,
      expectedValue(request.expectation),
      request.expectation.kind === 'event',
      request.events.length,
      json.metadata,
      json.events,
      request.timestamp ?? timestamp,
    );
  }
  return values;
};

/**
 * The changesets a conflicting writer gets back (core `isForthcoming`), found by index range
 * rather than by reading the whole stream.
 */
export const forthcomingSql = (
  schema: SchemaName,
  kind: Expectation['kind'],
  extraColumns = '',
): string =>
  kind === 'changeset'
    ? `SELECT ${CHANGESET_COLUMNS}${extraColumns} FROM ${changesetsTable(schema)}
       WHERE stream_id = $1::text AND changeset_id > $2::bigint
       ORDER BY changeset_id`
    : // The first changeset ending after the expected event, by binary search (no index on
      // last event ids), and every one after it.
      `WITH RECURSIVE ${streamHeadQuery(schema)},
         ${firstEndingAtOrAfter(schema, 'bound', '$2::bigint + 1')}
       SELECT ${CHANGESET_COLUMNS}${extraColumns} FROM ${changesetsTable(schema)}
       WHERE stream_id = $1::text
         AND changeset_id >= (SELECT low FROM bound WHERE low = high)
       ORDER BY changeset_id`;

/** `forthcomingSql` ending with the changeset that brings the answer to `$3` bytes. */
const forthcomingWithinBytesSql = (schema: SchemaName, kind: Expectation['kind']): string =>
  withinBytesSql({
    select: (window) => forthcomingSql(schema, kind, window),
    size: storedSizeSql(),
    order: 'changeset_id',
    parameter: 3,
  });

/** What a batched insert returned for a changeset that went in, in array row mode. */
type InsertedRow = [streamId: string, changesetId: number, lastEventId: number];

/**
 * One request's share of a batched insert: its timestamp and its row if it went in, or
 * the error its own statement failed with.
 */
type InsertOutcome =
  | { readonly timestamp: string; readonly row: InsertedRow | undefined }
  | { readonly error: unknown };

/**
 * How often a commit re-runs after its insert did nothing and a fresh look at the head says it
 * should have gone in: each time, a concurrent writer's changeset rolled back or became visible
 * in between. Needing more than a few rounds means the stream is churning pathologically, and
 * the client is told to retry later.
 */
const MAX_ATTEMPTS = 5;

export interface CommitBatching {
  /** Most insert statements running at once; commits arriving meanwhile join the next one. */
  readonly maxInFlight: number;
  /** Most changesets one insert statement writes. */
  readonly maxBatch: number;
  /**
   * Longest a commit waits for a statement of its own before it fails with
   * `STORE_UNAVAILABLE`, nothing written: the statement timeout, so that a commit queued behind
   * statements held up by a lock answers about when they do.
   */
  readonly maxWaitMs?: number;
}

const byStreamId = (a: SerialisedRequest, b: SerialisedRequest): number =>
  a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0;

/**
 * Appends a changeset when its expectation holds. Concurrent commits share insert statements
 * (see `createBatcher`): one round trip and one transaction for all of them, each with its own
 * expectation and outcome. When a commit's insert does nothing, the expectation did not match
 * or a concurrent writer won: a second look at the head, classified by core `decideCommit`,
 * says which.
 *
 * Returns `checkpoint: null`: checkpoints are assigned by the indexer after the commit.
 */
export function prepareCommit(
  pool: Pool,
  schema: SchemaName,
  clock: () => Date,
  batching: CommitBatching,
): (request: CommitRequest) => Promise<CommitResult> {
  const headOf = prepareStreamHead(pool, schema);
  const insertSql: string[] = [];
  const selectForthcoming = {
    changeset: forthcomingSql(schema, 'changeset'),
    event: forthcomingSql(schema, 'event'),
  };
  const selectForthcomingWithinBytes = {
    changeset: forthcomingWithinBytesSql(schema, 'changeset'),
    event: forthcomingWithinBytesSql(schema, 'event'),
  };

  const insertRows = async (
    requests: readonly SerialisedRequest[],
  ): Promise<readonly InsertOutcome[]> => {
    const count = requests.length;
    const timestamp = clock().toISOString();
    const { rows } = await pool.query<InsertedRow>({
      name: `ees-commit-${count}`,
      text: (insertSql[count] ??= insertChangesetsSql(schema, count)),
      values: insertChangesetsParameters(
        count > 1 ? [...requests].sort(byStreamId) : requests,
        timestamp,
      ),
      rowMode: 'array',
    });
    const inserted = new Map(rows.map((row) => [row[0], row]));
    return requests.map((request) => ({
      timestamp: request.timestamp ?? timestamp,
      row: inserted.get(request.streamId),
    }));
  };
  /**
   * A failed statement fails all its rows. When the database refused the statement itself (not
   * the connection), each commit is tried again alone, so that one commit the database refuses
   * never fails the others of its batch.
   */
  const insertBatch = async (
    requests: readonly SerialisedRequest[],
  ): Promise<readonly InsertOutcome[]> => {
    try {
      return await insertRows(requests);
    } catch (error) {
      if (requests.length === 1 || isConnectionError(error)) throw error;
      return Promise.all(
        requests.map((request) =>
          insertRows([request]).then(
            ([outcome]) => outcome ?? { error: new Error('The insert returned no outcome') },
            (alone: unknown) => ({ error: alone }),
          ),
        ),
      );
    }
  };
  const insert = createBatcher(insertBatch, {
    ...batching,
    key: (request) => request.streamId,
    expired: (waitedMs) =>
      errors.storeUnavailable(
        new Error(`The commit waited ${waitedMs} ms for the statements before it to finish.`),
      ),
  });

  const forthcoming = async ({
    streamId,
    expectation,
    maxForthcomingBytes,
  }: CommitRequest): Promise<CommitResult> => {
    const values = [streamId, expectedValue(expectation)];
    const { rows } = await pool.query<ChangesetRow>(
      maxForthcomingBytes === undefined
        ? {
            name: `ees-forthcoming-${expectation.kind}`,
            text: selectForthcoming[expectation.kind],
            values,
          }
        : {
            name: `ees-forthcoming-${expectation.kind}-within-bytes`,
            text: selectForthcomingWithinBytes[expectation.kind],
            values: [...values, maxForthcomingBytes],
          },
    );
    return { status: 'conflict', forthcoming: rows.map(toChangeset) };
  };

  return async (commitRequest) => {
    const request: SerialisedRequest = { ...commitRequest, json: changesetJsonOf(commitRequest) };
    const { streamId, expectation } = request;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const outcome = await insert(request);
      if ('error' in outcome) throw outcome.error;
      const { timestamp, row } = outcome;
      if (row !== undefined) {
        const [, changesetId, lastEventId] = row;
        return {
          status: 'committed',
          // Built from what was sent rather than returned (a changeset may be 400 KB): its
          // events and metadata are parsed from the text just written if the caller reads them,
          // so that they equal what a later read returns.
          changeset: changesetFromJson(
            {
              streamId,
              changesetId,
              firstEventId: lastEventId - request.events.length + 1,
              lastEventId,
              timestamp,
              checkpoint: null,
            },
            request.json,
          ),
        };
      }
      const head: StreamHead = (await headOf(streamId)) ?? EMPTY_STREAM;
      const decision = decideCommit(head, expectation, request.events.length);
      if (decision.outcome === 'conflict') return forthcoming(request);
      if (decision.outcome === 'ahead') return { status: 'ahead', head };
    }
    throw errors.storeUnavailable(
      new Error(
        `The commit to stream "${streamId}" lost ${MAX_ATTEMPTS} races with concurrent writers that rolled back.`,
      ),
    );
  };
}

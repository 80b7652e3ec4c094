import { z } from '@hono/zod-openapi';

/**
 * Schemas of the wire contract, from which the OpenAPI document at `GET /openapi.json` is
 * generated (`npm run openapi`). They are development tools: the server serves the generated
 * document and never loads zod (a cold Lambda answers sooner, and installs are smaller).
 * `parseChangesetBody` checks commit bodies by hand; a test holds it and `ChangesetBody` to the
 * same verdicts.
 *
 * Answers are closed (`additionalProperties: false`): clients compare whole bodies, so a field
 * the contract does not name is a change of contract, and the contract suite checks every
 * answer it gets against these schemas. Request bodies stay open, as the server ignores
 * members it does not know.
 */

const JsonObject = z.record(z.string(), z.unknown());

export const Event = JsonObject.openapi('Event', {
  description: 'Any JSON object.',
  example: { type: 'sold', amount: 20 },
});

export const Metadata = JsonObject.openapi('Metadata', {
  description: 'Any JSON object; stored as `{}` when omitted.',
  example: { command: 'sell', issued_by: 'me' },
});

export const ChangesetBody = z
  .object({
    events: z.array(Event).min(1),
    metadata: Metadata.optional(),
  })
  .openapi('ChangesetBody');

/** Integers in query strings travel as text; an empty string counts as absent. */
const integerParam = (description: string, pattern = /^[0-9]*$/) =>
  z.string().regex(pattern).optional().openapi({ description, example: '1' });

export const StreamIdParam = z.object({
  stream_id: z.string().min(1).openapi({
    description: 'Any non-empty Unicode string, URL-encoded.',
    example: 'account-42',
  }),
});

export const CommitQuery = z.object({
  expected_last_changeset: integerParam(
    'The changeset the stream must end with (0: the stream must not exist). The default when neither parameter is given.',
  ),
  expected_last_event: integerParam('The event the stream must end with (0: new stream).'),
});

export const RangeQuery = z.object({
  from: integerParam('Lower bound, inclusive.'),
  to: integerParam('Upper bound, inclusive.'),
});

export const PageQuery = z.object({
  checkpoint: integerParam('First checkpoint to return (default 0).'),
  // Digits that are not all zeros (or nothing: the default).
  limit: integerParam(
    'Most changesets to return (default 10, at least 1).',
    /^([0-9]*[1-9][0-9]*)?$/,
  ),
});

const StreamChangeset = z
  .strictObject({ changeset_id: z.number().int(), events: z.array(Event), metadata: Metadata })
  .openapi('StreamChangeset');

export const CommitResponse = z
  .strictObject({ stream_id: z.string(), changeset_id: z.number().int() })
  .openapi('CommitResponse');

export const ChangesetsResponse = z
  .strictObject({ stream_id: z.string(), changesets: z.array(StreamChangeset) })
  .openapi('ChangesetsResponse');

export const EventsResponse = z
  .strictObject({
    stream_id: z.string(),
    events: z.array(z.strictObject({ id: z.number().int(), data: Event })),
  })
  .openapi('EventsResponse');

export const GlobalPageResponse = z
  .strictObject({
    checkpoint: z.number().int(),
    limit: z.number().int(),
    changesets: z.array(
      StreamChangeset.extend({ stream_id: z.string(), checkpoint: z.number().int() }),
    ),
    next_checkpoint: z.number().int(),
  })
  .openapi('GlobalPageResponse');

export const StatisticsResponse = z
  .strictObject({
    total_streams: z.number().int(),
    total_changesets: z.number().int(),
    total_events: z.number().int(),
    max_stream_length: z.number().int().openapi({ description: 'Most changesets in one stream.' }),
    statistics_version: z
      .number()
      .int()
      .openapi({ description: 'The checkpoint the statistics have reached.' }),
  })
  .openapi('StatisticsResponse');

export const VersionResponse = z.strictObject({ version: z.string() }).openapi('VersionResponse');

export const ErrorResponse = z
  .strictObject({
    stream_id: z.string().optional(),
    error: z.string().openapi({ description: 'A stable error code.' }),
    message: z.string(),
  })
  .openapi('Error');

/** The contract's answer to an unknown endpoint, older than the `{error, message}` shape. */
export const EndpointNotFound = z
  .strictObject({ message: z.string().openapi({ example: 'Invalid endpoint' }) })
  .openapi('EndpointNotFound');

export const ConflictResponse = ErrorResponse.extend({
  forthcoming_changesets: z.array(StreamChangeset),
}).openapi('ConcurrencyConflict');

export const HealthResponse = z
  .strictObject({
    status: z.enum(['ok', 'unavailable']),
    message: z.string().optional().openapi({ description: 'Why the server is not ready.' }),
  })
  .openapi('Health');

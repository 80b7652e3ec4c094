import { describe, expect, it } from 'vitest';
import { EesError, ErrorCodes, errors, isEesError } from '../../src/core/index.js';
import type { Changeset } from '../../src/core/index.js';

/** What a client sees of an error: code, message and the echoed stream. */
const seen = (error: EesError) => ({
  code: error.code,
  message: error.message,
  streamId: error.streamId,
});

const winner: Changeset = {
  streamId: 's',
  changesetId: 4,
  events: [{ type: 'Won' }],
  metadata: {},
  timestamp: '2024-01-02T03:04:05.678Z',
  firstEventId: 8,
  lastEventId: 8,
  checkpoint: 17,
};

// Messages copied from /work/shared/api-contract.md, placeholders filled in.
const cases: [string, EesError, ReturnType<typeof seen>][] = [
  [
    'missingStreamId',
    errors.missingStreamId(),
    { code: 'MISSING_STREAM_ID', message: 'stream_id is a required value', streamId: undefined },
  ],
  [
    'bothExpectationsSet',
    errors.bothExpectationsSet('order-1'),
    {
      code: 'BOTH_EXPECTED_CHANGESET_AND_EVENT_ARE_SET',
      message:
        'Cannot use both "last_changeset_id" and "last_event_id" for concurrency management. Specify only one value.',
      streamId: 'order-1',
    },
  ],
  [
    'invalidExpectedValue changeset',
    errors.invalidExpectedValue('order-1', 'changeset', '-1'),
    {
      code: 'INVALID_EXPECTED_CHANGESET_ID',
      message: 'The specified expected changeset id("-1") is invalid. Expected a positive integer.',
      streamId: 'order-1',
    },
  ],
  [
    'invalidExpectedValue event',
    errors.invalidExpectedValue('order-1', 'event', 'abc'),
    {
      code: 'INVALID_EXPECTED_EVENT_ID',
      message: 'The specified expected event id("abc") is invalid. Expected a positive integer.',
      streamId: 'order-1',
    },
  ],
  [
    'concurrencyConflict changeset',
    errors.concurrencyConflict('s', { kind: 'changeset', lastChangesetId: 3 }, [winner]),
    {
      code: 'OPTIMISTIC_CONCURRENCY_EXCEPTION',
      message:
        'The expected last changeset (3) is outdated, review the changeset(s) appended after it.',
      streamId: 's',
    },
  ],
  [
    'concurrencyConflict event',
    errors.concurrencyConflict('s', { kind: 'event', lastEventId: 0 }, [winner]),
    {
      code: 'OPTIMISTIC_CONCURRENCY_EXCEPTION',
      message:
        'The expected last event (0) is outdated, review the changeset(s) appended after it.',
      streamId: 's',
    },
  ],
  [
    'expectationAhead changeset',
    errors.expectationAhead('my stream', { kind: 'changeset', lastChangesetId: 9 }, 4),
    {
      code: 'INVALID_EXPECTED_CHANGESET_ID',
      message:
        'The specified expected changeset(9) doesn\'t exist. The "my stream" stream\'s most recent changeset is 4.',
      streamId: 'my stream',
    },
  ],
  [
    'expectationAhead event',
    errors.expectationAhead('my stream', { kind: 'event', lastEventId: 12 }, 7),
    {
      code: 'INVALID_EXPECTED_CHANGESET_ID',
      message:
        'The specified expected event(12) doesn\'t exist. The "my stream" stream\'s most recent event is 7.',
      streamId: 'my stream',
    },
  ],
  [
    'streamNotFound',
    errors.streamNotFound('ü/1'),
    {
      code: 'STREAM_NOT_FOUND',
      message: "The specified stream(ü/1) doesn't exist",
      streamId: 'ü/1',
    },
  ],
  [
    'invalidFilteringParams changeset',
    errors.invalidFilteringParams('s', 'changeset'),
    {
      code: 'INVALID_CHANGESET_FILTERING_PARAMS',
      message: 'The filtering params(from, to) have to be positive integer values',
      streamId: 's',
    },
  ],
  [
    'invalidFilteringParams event',
    errors.invalidFilteringParams('s', 'event'),
    {
      code: 'INVALID_EVENT_FILTERING_PARAMS',
      message: 'The filtering params(from, to) have to be positive integer values',
      streamId: 's',
    },
  ],
  [
    'invertedRange changeset',
    errors.invertedRange('s', 'changeset', 5, 2),
    {
      code: 'INVALID_CHANGESET_FILTERING_PARAMS',
      message: 'The higher boundary cannot be lower than the lower boundary: 5(from) > 2(to)',
      streamId: 's',
    },
  ],
  [
    'invertedRange event',
    errors.invertedRange('s', 'event', 10, 9),
    {
      code: 'INVALID_EVENT_FILTERING_PARAMS',
      message: 'The higher boundary cannot be lower than the lower boundary: 10(from) > 9(to)',
      streamId: 's',
    },
  ],
  [
    'invalidCheckpoint',
    errors.invalidCheckpoint('-3'),
    {
      code: 'INVALID_CHECKPOINT',
      message: '"-3" is an invalid checkpoint value. Expected a positive integer value.',
      streamId: undefined,
    },
  ],
  [
    'invalidLimit',
    errors.invalidLimit('0'),
    {
      code: 'INVALID_LIMIT',
      message: '"0" is an invalid limit value. Expected an integer value greater than 0.',
      streamId: undefined,
    },
  ],
  [
    'statisticsNotReady',
    errors.statisticsNotReady(),
    {
      code: 'STATISTICS_NOT_READY',
      message: 'Statistics are not yet generated',
      streamId: undefined,
    },
  ],
  [
    'invalidLastEventId',
    errors.invalidLastEventId('x.y', 'a checkpoint'),
    {
      code: 'INVALID_LAST_EVENT_ID',
      message: '"x.y" is not an id this subscription sends. Expected a checkpoint.',
      streamId: undefined,
    },
  ],
  [
    'endpointNotFound',
    errors.endpointNotFound(),
    { code: 'ENDPOINT_NOT_FOUND', message: 'Invalid endpoint', streamId: undefined },
  ],
  // Limits and access control: codes this implementation adds, outside the contract.
  [
    'tooManyEvents',
    errors.tooManyEvents('s', 1001, 1000),
    {
      code: 'TOO_MANY_EVENTS',
      message: 'The changeset has 1001 events; the limit is 1000 events per changeset.',
      streamId: 's',
    },
  ],
  [
    'streamIdTooLong',
    errors.streamIdTooLong('ééé', 6, 5),
    {
      code: 'INVALID_STREAM_ID',
      message: 'The stream id is 6 bytes long in UTF-8; the limit is 5 bytes.',
      streamId: 'ééé',
    },
  ],
  [
    'streamIdWithNul',
    errors.streamIdWithNul('a\u0000b'),
    {
      code: 'INVALID_STREAM_ID',
      message: 'A stream id cannot contain the character U+0000 (NUL).',
      streamId: 'a\u0000b',
    },
  ],
  [
    'streamIdBadlyEncoded',
    errors.streamIdBadlyEncoded('%ZZ'),
    {
      code: 'INVALID_STREAM_ID',
      message:
        'The stream id in the URL is not percent-encoded UTF-8: a "%" starts an escape like %2F, and "%" itself is %25.',
      streamId: '%ZZ',
    },
  ],
  [
    'uriTooLong',
    errors.uriTooLong(8192),
    {
      code: 'URI_TOO_LONG',
      message: 'The request URL exceeds the limit of 8192 bytes.',
      streamId: undefined,
    },
  ],
  [
    'unauthorized missing',
    errors.unauthorized('missing'),
    {
      code: 'UNAUTHORIZED',
      message: 'This endpoint requires an API token: send "Authorization: Bearer <token>".',
      streamId: undefined,
    },
  ],
  [
    'unauthorized invalid',
    errors.unauthorized('invalid'),
    { code: 'UNAUTHORIZED', message: 'The API token is not valid.', streamId: undefined },
  ],
  [
    'forbidden',
    errors.forbidden('write'),
    {
      code: 'FORBIDDEN',
      message: 'The API token does not grant write access, which this request requires.',
      streamId: undefined,
    },
  ],
  [
    'hostNotAllowed',
    errors.hostNotAllowed('rebind.example:3000'),
    {
      code: 'HOST_NOT_ALLOWED',
      message:
        'This server has no API tokens and answers only requests addressed to localhost or a loopback address, not to "rebind.example:3000".',
      streamId: undefined,
    },
  ],
  [
    'originNotAllowed',
    errors.originNotAllowed('https://evil.example'),
    {
      code: 'ORIGIN_NOT_ALLOWED',
      message:
        'This server has no API tokens and takes no writes from web pages of origin "https://evil.example"; list the origin with --cors-origins, or use API tokens.',
      streamId: undefined,
    },
  ],
  [
    'tooManySubscribers',
    errors.tooManySubscribers(1000),
    {
      code: 'TOO_MANY_SUBSCRIBERS',
      message: 'The server already serves its limit of 1000 subscriptions. Retry later.',
      streamId: undefined,
    },
  ],
];

describe('errors', () => {
  it.each(cases)('%s has the contract code and message', (_, error, expected) => {
    expect(seen(error)).toEqual(expected);
    expect(ErrorCodes).toContain(error.code);
  });

  it('a conflict carries the winning changesets', () => {
    const conflict = errors.concurrencyConflict('s', { kind: 'event', lastEventId: 7 }, [winner]);
    expect(conflict.forthcoming).toEqual([winner]);
    expect(errors.streamNotFound('s').forthcoming).toBeUndefined();
  });

  it('storeUnavailable keeps its cause', () => {
    const cause = new Error('connection refused');
    const error = errors.storeUnavailable(cause);
    expect(seen(error)).toEqual({
      code: 'STORE_UNAVAILABLE',
      message: 'The event store is temporarily unavailable. Retry later.',
      streamId: undefined,
    });
    expect(error.cause).toBe(cause);
  });

  // The contract leaves these messages open ("<what is wrong>"): only the code, the stream and
  // the details they must carry are pinned.
  it.each([
    [
      'invalidJson',
      errors.invalidJson('s', 'Unexpected token }'),
      'INVALID_JSON',
      'Unexpected token }',
    ],
    ['invalidBody', errors.invalidBody('s'), 'INVALID_BODY', 'events'],
    ['missingEvents', errors.missingEvents('s'), 'MISSING_EVENTS', 'events'],
    [
      'invalidEvents',
      errors.invalidEvents('s', 'item 2 is a number'),
      'INVALID_EVENTS',
      'item 2 is a number',
    ],
    ['invalidMetadata', errors.invalidMetadata('s'), 'INVALID_METADATA', 'metadata'],
    [
      'inexactNumber',
      errors.inexactNumber('s', 'events', 'events[2]', '1e400'),
      'INVALID_EVENTS',
      'events[2] holds the number 1e400',
    ],
    [
      'inexactNumber',
      errors.inexactNumber('s', 'metadata', 'metadata', '1e400'),
      'INVALID_METADATA',
      'metadata holds the number 1e400',
    ],
    [
      'changesetTooLarge',
      errors.changesetTooLarge('s', 'changeset', 409600),
      'CHANGESET_TOO_LARGE',
      '409600',
    ],
  ])('%s has its code and says what is wrong', (_, error, code, detail) => {
    expect([error.code, error.streamId]).toEqual([code, 's']);
    expect(error.message).toContain(detail);
  });

  it('every factory is covered above', () => {
    const covered = [
      ...cases.map(([name]) => name.split(' ')[0]),
      'storeUnavailable',
      'invalidJson',
      'invalidBody',
      'missingEvents',
      'invalidEvents',
      'invalidMetadata',
      'inexactNumber',
      'changesetTooLarge',
    ];
    expect(Object.keys(errors).sort()).toEqual([...new Set(covered)].sort());
  });

  it('EesError is an Error that isEesError recognises', () => {
    const error = errors.missingStreamId();
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('EesError');
    expect(isEesError(error)).toBe(true);
    expect(isEesError(new Error('stream_id is a required value'))).toBe(false);
    expect(isEesError({ code: 'MISSING_STREAM_ID' })).toBe(false);
  });
});

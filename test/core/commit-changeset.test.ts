import { describe, expect, it } from 'vitest';
import { EesError, commitChangeset } from '../../src/core/index.js';
import type {
  Changeset,
  CommitRequest,
  CommitResult,
  EventStore,
  Expectation,
} from '../../src/core/index.js';

const winner: Changeset = {
  streamId: 'order-1',
  changesetId: 3,
  events: [{ type: 'Shipped' }],
  metadata: { user: 'bo' },
  timestamp: '2024-05-06T07:08:09.000Z',
  firstEventId: 6,
  lastEventId: 6,
  checkpoint: 41,
};

/** A store whose `commit` answers `result` and records what it was asked. */
function storeAnswering(result: CommitResult): { store: EventStore; requests: CommitRequest[] } {
  const requests: CommitRequest[] = [];
  const unused = () => Promise.reject(new Error('not used by commitChangeset'));
  const store: EventStore = {
    capabilities: {
      checkpointsAtCommit: true,
      sharedAcrossProcesses: false,
      checkpointsInCallOrder: true,
    },
    commit: (request) => {
      requests.push(request);
      return Promise.resolve(result);
    },
    readChangesets: unused,
    readEvents: unused,
    readGlobal: unused,
    readProjection: unused,
    writeProjection: unused,
    close: () => Promise.resolve(),
  };
  return { store, requests };
}

const request = (expectation: Expectation): CommitRequest => ({
  streamId: 'order-1',
  expectation,
  events: [{ type: 'Paid' }],
  metadata: {},
});

async function rejection(promise: Promise<unknown>): Promise<EesError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (error instanceof EesError) return error;
  throw new Error(`expected an EesError, got ${String(error)}`);
}

describe('commitChangeset', () => {
  it('returns the committed changeset and passes the request through', async () => {
    const { store, requests } = storeAnswering({ status: 'committed', changeset: winner });
    const sent = request({ kind: 'changeset', lastChangesetId: 2 });
    expect(await commitChangeset(store, sent)).toBe(winner);
    expect(requests).toEqual([sent]);
  });

  it('turns a conflict into OPTIMISTIC_CONCURRENCY_EXCEPTION with the forthcoming changesets', async () => {
    const { store } = storeAnswering({ status: 'conflict', forthcoming: [winner] });
    const error = await rejection(
      commitChangeset(store, request({ kind: 'changeset', lastChangesetId: 2 })),
    );
    expect([error.code, error.message, error.streamId, error.forthcoming]).toEqual([
      'OPTIMISTIC_CONCURRENCY_EXCEPTION',
      'The expected last changeset (2) is outdated, review the changeset(s) appended after it.',
      'order-1',
      [winner],
    ]);
  });

  it('names the event in a conflict on an event expectation', async () => {
    const { store } = storeAnswering({ status: 'conflict', forthcoming: [winner] });
    const error = await rejection(
      commitChangeset(store, request({ kind: 'event', lastEventId: 5 })),
    );
    expect(error.message).toBe(
      'The expected last event (5) is outdated, review the changeset(s) appended after it.',
    );
  });

  it('turns ahead into INVALID_EXPECTED_CHANGESET_ID naming the head of the same kind', async () => {
    const head = { lastChangesetId: 3, lastEventId: 6 };
    const { store } = storeAnswering({ status: 'ahead', head });
    const byChangeset = await rejection(
      commitChangeset(store, request({ kind: 'changeset', lastChangesetId: 5 })),
    );
    const byEvent = await rejection(
      commitChangeset(store, request({ kind: 'event', lastEventId: 9 })),
    );
    expect(
      [byChangeset, byEvent].map((e) => [e.code, e.message, e.streamId, e.forthcoming]),
    ).toEqual([
      [
        'INVALID_EXPECTED_CHANGESET_ID',
        'The specified expected changeset(5) doesn\'t exist. The "order-1" stream\'s most recent changeset is 3.',
        'order-1',
        undefined,
      ],
      [
        'INVALID_EXPECTED_CHANGESET_ID',
        'The specified expected event(9) doesn\'t exist. The "order-1" stream\'s most recent event is 6.',
        'order-1',
        undefined,
      ],
    ]);
  });
});

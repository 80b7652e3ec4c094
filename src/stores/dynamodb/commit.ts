import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type {
  Changeset,
  CommitRequest,
  CommitResult,
  PlannedChangeset,
  StreamHead,
} from '../../core/index.js';
import { EMPTY_STREAM, changesetJsonOf, decideCommit, expectedValue } from '../../core/index.js';
import type { Item } from './attributes.js';
import type { PayloadAttributes } from './changeset-item.js';
import { changesetItem, encodePayload, newCommitId, writtenBy } from './changeset-item.js';
import { isConditionalCheckFailed } from './dynamodb-errors.js';
import { readForthcoming } from './forthcoming.js';
import type { HeadCache } from './head-cache.js';
import { ATTR } from './schema.js';
import { readStreamHead } from './stream-head.js';
import type { Table } from './table.js';

/**
 * Rounds of "decide, then act" one commit may take. Two suffice (a remembered head that says
 * "ahead" is re-read once); the third only guards against a table changed behind the store's
 * back (see `HeadCache`).
 */
const MAX_ROUNDS = 3;

const headOf = (changeset: Pick<Changeset, 'changesetId' | 'lastEventId'>): StreamHead => ({
  lastChangesetId: changeset.changesetId,
  lastEventId: changeset.lastEventId,
});

/**
 * Puts changeset `planned` if no item has its key yet. Returns `written`, or `taken` when the key
 * exists: someone else committed that changeset id first.
 *
 * The commit id settles one ambiguity of a single-request commit: when DynamoDB applied the put
 * but the response was lost, the SDK retries it and the retry's condition fails on our own
 * item. `ALL_OLD` hands back the existing item with the failure (no extra request), and an item
 * carrying this attempt's commit id is ours: the commit succeeded.
 */
async function putChangeset(
  table: Table,
  item: Item,
  commitId: Uint8Array,
): Promise<'written' | 'taken'> {
  try {
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#changeset)',
        ExpressionAttributeNames: { '#changeset': ATTR.changesetId },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return 'written';
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    return writtenBy((error as { Item?: Item }).Item, commitId) ? 'written' : 'taken';
  }
}

/**
 * Appends a changeset when its expectation holds, in one DynamoDB request in the common case:
 * a conditional PutItem of changeset N+1 (`attribute_not_exists`), which DynamoDB checks and
 * applies atomically, so of two writers with the same expectation exactly one succeeds.
 *
 * The changeset and event ids come from the stream's head, which this process knows without a
 * read for a new-stream expectation (the head of a new stream is 0/0) and for any stream it has
 * committed to or read the head of (`HeadCache`); otherwise one strongly consistent index read
 * comes first.
 *
 * Why a failed condition always means a conflict, with no re-read and no retry: the put is only
 * sent when the expectation equals the (remembered) head H, and it fails only when changeset
 * H+1 exists, so the stream's real head is past H, i.e. past the expectation. The forthcoming
 * changesets are then read strongly consistently and handed back. Only an "ahead" decision made
 * on a remembered head is re-checked against a fresh read, because that head may be behind.
 *
 * The payload is encoded (and an oversized changeset rejected) before any request is sent.
 */
export function prepareCommit(
  table: Table,
  heads: HeadCache,
  clock: () => Date,
): (request: CommitRequest) => Promise<CommitResult> {
  const conflict = async (request: CommitRequest): Promise<CommitResult | undefined> => {
    const { streamId, expectation, maxForthcomingBytes } = request;
    const forthcoming = await readForthcoming(table, streamId, expectation, maxForthcomingBytes);
    const last = forthcoming.at(-1);
    if (last === undefined) return undefined;
    heads.observe(streamId, headOf(last));
    return { status: 'conflict', forthcoming };
  };

  const write = async (
    request: CommitRequest,
    planned: PlannedChangeset,
    payload: PayloadAttributes,
  ): Promise<Changeset | undefined> => {
    const changeset: Changeset = {
      streamId: request.streamId,
      changesetId: planned.changesetId,
      firstEventId: planned.firstEventId,
      lastEventId: planned.lastEventId,
      timestamp: request.timestamp ?? clock().toISOString(),
      events: request.events,
      metadata: request.metadata,
      checkpoint: null,
    };
    const commitId = newCommitId();
    const item = changesetItem({ ...changeset, commitId, payload });
    if ((await putChangeset(table, item, commitId)) === 'taken') return undefined;
    heads.observe(request.streamId, headOf(changeset));
    return changeset;
  };

  return async (request) => {
    const { streamId, expectation } = request;
    const payload = await encodePayload(streamId, changesetJsonOf(request));
    // The empty head is a lower bound of every stream's head, as good as a remembered one.
    let head: StreamHead | undefined =
      heads.get(streamId) ?? (expectedValue(expectation) === 0 ? EMPTY_STREAM : undefined);
    let fresh = false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (head === undefined) {
        const read = await readStreamHead(table, streamId);
        if (read !== undefined) heads.observe(streamId, read);
        head = read ?? EMPTY_STREAM;
        fresh = true;
      }
      const decision = decideCommit(head, expectation, request.events.length);
      if (decision.outcome === 'ahead') {
        if (fresh) return { status: 'ahead', head };
      } else if (decision.outcome === 'commit') {
        const changeset = await write(request, decision, payload);
        if (changeset !== undefined) return { status: 'committed', changeset };
        const result = await conflict(request);
        if (result !== undefined) return result;
      } else {
        // Behind a remembered head means behind the real one: heads only grow.
        const result = await conflict(request);
        if (result !== undefined) return result;
      }
      head = undefined;
    }
    throw new Error(
      `Commit to stream "${streamId}" did not settle after ${MAX_ROUNDS} rounds: was the table changed outside the event store?`,
    );
  };
}

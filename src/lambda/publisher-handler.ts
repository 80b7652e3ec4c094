import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { Changeset } from '../core/index.js';
import type { ChangesetPublisher } from '../push/sns/index.js';
import type { StreamRecord } from './stream-records.js';
import { batchResponse, changesetOf, committedChangeset } from './stream-records.js';

export interface PublisherHandlerOptions {
  readonly publisher: ChangesetPublisher;
  /** Told about records that cannot be decoded. Default: `console.error`. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The publisher function: the commits in a DynamoDB Streams batch → the push channels. Each
 * changeset is read from its record's new image (the table is never read), and published as one
 * changeset message and one message per event.
 *
 * Failures are reported per record: a record fails when any of its messages did not go out,
 * and so does every later record of the same stream, which is not published at all (a stream's
 * messages must not overtake a failed one). Lambda retries from the first failed record; what
 * was published already is deduplicated by SNS. A record that keeps failing (a corrupt image,
 * SNS refusing its messages) is retried until the event source's retry limit, then its batch
 * goes to the dead-letter queue and the shard moves on. A message over SNS's size limit is not
 * a failure, since no retry could publish it: it is logged and left out (`publishInOrder`).
 *
 * @example
 * export const handler = createPublisherHandler({ publisher: createSnsChangesetPublisher(...) });
 */
export function createPublisherHandler(
  options: PublisherHandlerOptions,
): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
  const report =
    options.onError ??
    ((error: unknown) => {
      console.error('publisher:', error);
    });
  return async (event) => {
    const records: readonly StreamRecord[] = event.Records;
    const failed = new Set<number>();
    const failedStreams = new Set<string>();
    const changesets: Changeset[] = [];
    const origin: number[] = [];
    for (const [position, record] of records.entries()) {
      const key = committedChangeset(record);
      if (key === undefined) continue;
      if (failedStreams.has(key.streamId)) {
        failed.add(position);
        continue;
      }
      try {
        changesets.push(await changesetOf(record));
        origin.push(position);
      } catch (error) {
        report(error);
        failed.add(position);
        failedStreams.add(key.streamId);
      }
    }
    for (const position of await options.publisher.publish(changesets)) {
      failed.add(origin[position] ?? position);
    }
    return batchResponse(records, failed);
  };
}

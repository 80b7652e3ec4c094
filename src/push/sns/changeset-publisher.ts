import type { SNSClient } from '@aws-sdk/client-sns';
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import type { Changeset } from '../../core/index.js';
import type { SnsMessage } from './messages.js';
import { snsChangesetMessage, snsEventMessages } from './messages.js';
import type { PublishBatch } from './publish-in-order.js';
import { publishInOrder } from './publish-in-order.js';

export interface SnsChangesetPublisherOptions {
  /** The SNS call; `snsPublishBatch(new SNSClient())` on AWS. */
  readonly publishBatch: PublishBatch;
  /** The FIFO topic that gets one message per changeset. */
  readonly changesetsTopicArn: string;
  /** The FIFO topic that gets one message per event. */
  readonly eventsTopicArn: string;
  /** Largest message (and PublishBatch call) in bytes; default SNS's 256 KiB. */
  readonly maxPayloadBytes?: number;
  /** Told why something was not published. Default: `console.error`. */
  readonly onError?: (error: unknown) => void;
}

/** Publishes committed changesets to the push channels. */
export interface ChangesetPublisher {
  /**
   * Publishes every changeset to the changesets topic and each of its events to the events
   * topic. `changesets` must hold each stream's changesets in stream order (as a DynamoDB
   * Streams shard delivers them); streams may interleave.
   *
   * Resolves with the positions of the changesets that must be published again: those with a
   * message that did not go out, and every later changeset of the same stream (none of whose
   * messages were sent, so that a retry keeps the stream in order). Publishing again is safe:
   * what did go out carries the same deduplication ids and is dropped by SNS.
   */
  publish(changesets: readonly Changeset[]): Promise<Set<number>>;
}

/** An SNS `PublishBatch` through an SDK client. */
export const snsPublishBatch =
  (client: SNSClient): PublishBatch =>
  (input) =>
    client.send(new PublishBatchCommand(input));

/** Adds to `failed` every changeset that follows a failed one of the same stream. */
function withLaterOfSameStream(changesets: readonly Changeset[], failed: Set<number>): Set<number> {
  const failedStreams = new Set<string>();
  changesets.forEach((changeset, position) => {
    if (failed.has(position)) failedStreams.add(changeset.streamId);
    else if (failedStreams.has(changeset.streamId)) failed.add(position);
  });
  return failed;
}

/**
 * The SNS FIFO publisher of the contract's push channels: one message per changeset on the
 * changesets topic, one per event on the events topic, each stream in order on both (its
 * messages share a group id), each message at most once however often a batch is retried
 * (deduplication ids derive from stream, changeset and event ids).
 *
 * The two topics are published concurrently: order is only promised within a topic.
 *
 * @example
 * ```ts
 * const publisher = createSnsChangesetPublisher({
 *   publishBatch: snsPublishBatch(new SNSClient({})),
 *   changesetsTopicArn,
 *   eventsTopicArn,
 * });
 * const failed = await publisher.publish(changesets);
 * ```
 */
export function createSnsChangesetPublisher(
  options: SnsChangesetPublisherOptions,
): ChangesetPublisher {
  const topicOptions = {
    maxPayloadBytes: options.maxPayloadBytes,
    onError:
      options.onError ??
      ((error: unknown) => {
        console.error('SNS publisher:', error);
      }),
  };
  return {
    async publish(changesets) {
      const changesetTopic = changesets.map(snsChangesetMessage);
      const eventTopic: SnsMessage[] = [];
      const origin: number[] = [];
      changesets.forEach((changeset, position) => {
        for (const message of snsEventMessages(changeset)) {
          eventTopic.push(message);
          origin.push(position);
        }
      });
      const [changesetFailures, eventFailures] = await Promise.all([
        publishInOrder(
          options.publishBatch,
          options.changesetsTopicArn,
          changesetTopic,
          topicOptions,
        ),
        publishInOrder(options.publishBatch, options.eventsTopicArn, eventTopic, topicOptions),
      ]);
      const failed = new Set(changesetFailures);
      for (const position of eventFailures) failed.add(origin[position] ?? position);
      return withLaterOfSameStream(changesets, failed);
    },
  };
}

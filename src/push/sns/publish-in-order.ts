import type { PublishBatchInput, PublishBatchResponse } from '@aws-sdk/client-sns';
import type { SnsMessage } from './messages.js';
import { utf8Length } from '../../core/index.js';

/**
 * The one SNS call the publisher makes. Structural, so the publishing rules are tested with a
 * fake and run with `snsPublishBatch(client)` (or the emulator) unchanged.
 */
export type PublishBatch = (input: PublishBatchInput) => Promise<PublishBatchResponse>;

/** SNS takes at most 10 entries per PublishBatch call. */
export const SNS_MAX_BATCH_ENTRIES = 10;

/**
 * SNS's size limit, for one message and for the sum of a PublishBatch call's messages alike:
 * 256 KiB by default. A message above it can never be published, however often it is tried.
 */
export const SNS_MAX_PAYLOAD_BYTES = 262_144;

/** How the report of a message left out for its size begins; the stack's alarm looks for it. */
export const NOT_PUBLISHED = 'Not published:';

export interface PublishInOrderOptions {
  /** Largest message, and largest sum per call, in UTF-8 bytes. Default `SNS_MAX_PAYLOAD_BYTES`. */
  readonly maxPayloadBytes?: number;
  /** Told why messages were not published (refused entries, a failed call). Default: nothing. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Publishes `messages` (in the order given) to one FIFO topic, ten per PublishBatch call, and
 * returns the positions of the messages that are not known to be published and may be on a
 * retry.
 *
 * A message over the size limit is never sent: no retry could publish it. It is reported
 * through `onError` and skipped, and its stream goes on, so that subscribers get every other
 * message in order and see the skipped one as a gap in the changeset ids. (Held back, it would
 * take its stream's later messages of the batch with it once the retries ran out.)
 *
 * Per-stream order. SNS publishes the entries of one call in order, and each call starts after
 * the previous one answered, so messages of one group leave in the order given. Once a message
 * of a group fails, no later message of that group is sent (they are returned as failed too):
 * sending them would let a retry put the failed one after them. Other groups go on.
 *
 * A call that throws (SNS unreachable, credentials, throttling the SDK's retries did not absorb)
 * fails its messages and every message not sent yet: SNS is not taking messages, and trying
 * each remaining call would only delay the retry.
 *
 * Residual risk, reported through `onError`: should SNS refuse one entry and accept a later
 * entry of the same group in the same call, the later one is out and the earlier one follows
 * only on retry. SNS refuses entries for what they are (too large, malformed) rather than at
 * random, and oversized messages are left out before sending, so this is not expected.
 */
export async function publishInOrder(
  publishBatch: PublishBatch,
  topicArn: string,
  messages: readonly SnsMessage[],
  options: PublishInOrderOptions = {},
): Promise<Set<number>> {
  const maxBytes = options.maxPayloadBytes ?? SNS_MAX_PAYLOAD_BYTES;
  const report = options.onError ?? (() => undefined);
  const failed = new Set<number>();
  const failedGroups = new Set<string>();
  const fail = (position: number, message: SnsMessage): void => {
    failed.add(position);
    failedGroups.add(message.groupId);
  };

  let next = 0;
  while (next < messages.length) {
    const call: { readonly position: number; readonly message: SnsMessage }[] = [];
    let bytes = 0;
    for (; next < messages.length && call.length < SNS_MAX_BATCH_ENTRIES; next++) {
      const message = messages[next];
      if (message === undefined) continue;
      if (failedGroups.has(message.groupId)) {
        failed.add(next);
        continue;
      }
      const size = utf8Length(message.body);
      if (size > maxBytes) {
        report(
          new Error(
            `${NOT_PUBLISHED} the ${message.channel} message of stream ${JSON.stringify(message.streamId)}, changeset ${message.changesetId}${message.eventId === undefined ? '' : `, event ${message.eventId}`}, is ${size} bytes; SNS takes at most ${maxBytes}. The stream's later messages go on.`,
          ),
        );
        continue;
      }
      if (call.length > 0 && bytes + size > maxBytes) break;
      call.push({ position: next, message });
      bytes += size;
    }
    if (call.length === 0) continue;

    let response: PublishBatchResponse;
    try {
      response = await publishBatch({
        TopicArn: topicArn,
        PublishBatchRequestEntries: call.map(({ position, message }) => ({
          Id: String(position),
          Message: message.body,
          MessageGroupId: message.groupId,
          MessageDeduplicationId: message.deduplicationId,
        })),
      });
    } catch (error) {
      report(error);
      const first = call[0]?.position ?? next;
      messages.slice(first).forEach((message, offset) => {
        fail(first + offset, message);
      });
      return failed;
    }

    const published = new Set((response.Successful ?? []).map((entry) => entry.Id));
    const refused = new Map((response.Failed ?? []).map((entry) => [entry.Id, entry]));
    const failedInCall = new Set<string>();
    for (const { position, message } of call) {
      const id = String(position);
      if (published.has(id) && !refused.has(id)) {
        if (failedInCall.has(message.groupId)) {
          report(
            new Error(
              `SNS published a ${message.channel} message of stream ${JSON.stringify(message.streamId)} after refusing an earlier one in the same call: the retry will deliver them out of order.`,
            ),
          );
        }
        continue;
      }
      const entry = refused.get(id);
      report(
        new Error(
          `SNS did not publish a ${message.channel} message of stream ${JSON.stringify(message.streamId)}: ${entry?.Code ?? 'no result for the entry'}${entry?.Message === undefined ? '' : ` (${entry.Message})`}`,
        ),
      );
      failedInCall.add(message.groupId);
      fail(position, message);
    }
  }
  return failed;
}

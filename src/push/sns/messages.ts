import { createHash } from 'node:crypto';
import type { Changeset } from '../../core/index.js';

/** The two push channels of the contract; on AWS each is an SNS FIFO topic. */
export type SnsChannel = 'changesets' | 'events';

/** One message as it is published: the contract's body plus what SNS FIFO orders and deduplicates by. */
export interface SnsMessage {
  readonly channel: SnsChannel;
  readonly streamId: string;
  readonly changesetId: number;
  /** On the events channel, the event's id. */
  readonly eventId?: number;
  /** The contract's JSON body, serialised once so that its size is known before publishing. */
  readonly body: string;
  /** SNS FIFO `MessageGroupId`: every message of one stream shares it, so they stay in order. */
  readonly groupId: string;
  /** SNS FIFO `MessageDeduplicationId`: the same for every attempt to publish the same thing. */
  readonly deduplicationId: string;
}

/**
 * The ordering key of a stream: the hex SHA-224 of its id (the contract's). A stream id can be
 * any Unicode string of any length, while a group id is at most 128 characters of a restricted
 * alphabet; 56 hex characters always fit, and equal ids give equal keys.
 */
export const messageGroupId = (streamId: string): string =>
  createHash('sha224').update(streamId, 'utf8').digest('hex');

/**
 * A deduplication id derived only from what identifies the message (channel, stream, changeset,
 * event), never from when or how often it is sent: a retried Lambda batch republishes the same
 * ids and SNS drops the repeats (within its five-minute deduplication window). Hashed because
 * SNS allows 128 characters and a stream id alone can be longer; the JSON array keeps the parts
 * apart whatever characters the stream id holds.
 */
const deduplicationId = (parts: readonly (string | number)[]): string =>
  createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('hex');

/** The changesets channel's message: `{"stream_id", "changeset_id", "events", "metadata"}`. */
export function snsChangesetMessage(changeset: Changeset): SnsMessage {
  const { streamId, changesetId } = changeset;
  return {
    channel: 'changesets',
    streamId,
    changesetId,
    body: JSON.stringify({
      stream_id: streamId,
      changeset_id: changesetId,
      events: changeset.events,
      metadata: changeset.metadata,
    }),
    groupId: messageGroupId(streamId),
    deduplicationId: deduplicationId(['changeset', streamId, changesetId]),
  };
}

/**
 * The events channel's messages, one per event in stream order:
 * `{"stream_id", "changeset_id", "event_id", "data"}`. Event ids continue across changesets,
 * so the changeset's first event id numbers them.
 */
export function snsEventMessages(changeset: Changeset): SnsMessage[] {
  const { streamId, changesetId } = changeset;
  const groupId = messageGroupId(streamId);
  return changeset.events.map((data, index) => {
    const eventId = changeset.firstEventId + index;
    return {
      channel: 'events',
      streamId,
      changesetId,
      eventId,
      body: JSON.stringify({
        stream_id: streamId,
        changeset_id: changesetId,
        event_id: eventId,
        data,
      }),
      groupId,
      deduplicationId: deduplicationId(['event', streamId, changesetId, eventId]),
    };
  });
}

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { Changeset } from '../core/index.js';
import type { Item } from '../stores/dynamodb/attributes.js';
import { toChangeset } from '../stores/dynamodb/changeset-item.js';
import { ATTR, FIRST_CHANGESET_ID } from '../stores/dynamodb/schema.js';

/**
 * A DynamoDB Streams record as a Lambda event carries it. Also accepts the SDK's shape
 * (GetRecords output, binary attributes as bytes), so records from the stream poller can be fed
 * to the same handlers.
 */
export type StreamRecord = DynamoDBRecord;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Binary attributes are base64 text in Lambda's JSON and bytes in the SDK's shape. */
const bytesOf = (value: unknown): Uint8Array => {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new Uint8Array(Buffer.from(value, 'base64'));
  throw new Error('A binary attribute is neither base64 text nor bytes');
};

/** One attribute value in the SDK's shape, whichever shape it came in. */
export function toSdkAttribute(value: unknown): AttributeValue {
  if (!isObject(value)) throw new Error('An attribute value is not an object');
  if ('B' in value) return { B: bytesOf(value.B) };
  if ('BS' in value && Array.isArray(value.BS)) return { BS: value.BS.map(bytesOf) };
  if ('L' in value && Array.isArray(value.L)) return { L: value.L.map(toSdkAttribute) };
  if ('M' in value && isObject(value.M)) return { M: toSdkItem(value.M) };
  return value as unknown as AttributeValue;
}

/** A record image (`NewImage`, `Keys`) as the item the DynamoDB store reads back. */
export const toSdkItem = (image: Readonly<Record<string, unknown>>): Item =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toSdkAttribute(value)]));

/** The changeset a record is about. */
export interface ChangesetKey {
  readonly streamId: string;
  readonly changesetId: number;
}

/** The stream a record's item belongs to, when it has one. */
export const streamIdOf = (record: StreamRecord): string | undefined =>
  record.dynamodb?.Keys?.[ATTR.streamId]?.S;

/**
 * The changeset a record announces, if it is a commit: an INSERT of a changeset item. Not
 * commits: the indexer's MODIFY (adding the checkpoint), bookkeeping items (changeset id 0:
 * the checkpoint counter, projections) and removals.
 */
export function committedChangeset(record: StreamRecord): ChangesetKey | undefined {
  if (record.eventName !== 'INSERT') return undefined;
  const streamId = streamIdOf(record);
  const changesetId = Number(record.dynamodb?.Keys?.[ATTR.changesetId]?.N);
  if (streamId === undefined || !Number.isSafeInteger(changesetId)) return undefined;
  return changesetId >= FIRST_CHANGESET_ID ? { streamId, changesetId } : undefined;
}

/**
 * The changeset in a record's new image, decoded as the DynamoDB store decodes its items
 * (JSON text, or the brotli-compressed payload of large changesets).
 *
 * @throws when the record has no new image (a stream not of NEW_IMAGE or NEW_AND_OLD_IMAGES)
 * or the image is not a changeset item.
 */
export async function changesetOf(record: StreamRecord): Promise<Changeset> {
  const image = record.dynamodb?.NewImage;
  if (image === undefined) {
    throw new Error(
      `Record ${record.eventID ?? '(no id)'} has no new image: the table's stream must include new images`,
    );
  }
  return toChangeset(toSdkItem(image));
}

/**
 * The partial batch response that makes Lambda retry the failed records: their sequence
 * numbers (for stream sources Lambda expects the sequence number as `itemIdentifier`, and
 * resumes from the lowest one reported).
 *
 * @throws when a failed record has no sequence number: without one nothing can be reported,
 * and throwing makes Lambda retry (or bisect) the whole batch instead of skipping the record.
 */
export function batchResponse(
  records: readonly StreamRecord[],
  failed: ReadonlySet<number>,
): DynamoDBBatchResponse {
  const positions = [...failed].sort((a, b) => a - b);
  return {
    batchItemFailures: positions.map((position) => {
      const itemIdentifier = records[position]?.dynamodb?.SequenceNumber;
      if (itemIdentifier === undefined || itemIdentifier === '') {
        throw new Error(`Record ${position} of the batch failed and has no sequence number`);
      }
      return { itemIdentifier };
    }),
  };
}

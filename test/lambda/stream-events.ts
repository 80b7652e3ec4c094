import type {
  AttributeValue as LambdaAttributeValue,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import type { JsonObject } from '../../src/core/index.js';
import type { Item } from '../../src/stores/dynamodb/attributes.js';
import {
  changesetItem,
  encodePayload,
  newCommitId,
} from '../../src/stores/dynamodb/changeset-item.js';

/** An item as a Lambda event carries it: JSON, binary attributes as base64 text. */
export function lambdaImage(item: Item): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(
    Object.entries(item).map(([name, value]): [string, LambdaAttributeValue] => {
      if (value.B !== undefined) return [name, { B: Buffer.from(value.B).toString('base64') }];
      if (value.S !== undefined) return [name, { S: value.S }];
      if (value.N !== undefined) return [name, { N: value.N }];
      throw new Error(`unexpected attribute ${name}`);
    }),
  );
}

export interface CommitSpec {
  readonly streamId: string;
  readonly changesetId: number;
  readonly firstEventId: number;
  readonly events: readonly JsonObject[];
  readonly metadata?: JsonObject;
}

let sequence = 100_000_000_000_000_000_000n;
const nextSequenceNumber = (): string => String((sequence += 100n));

const keys = (streamId: string, changesetId: number) => ({
  stream_id: { S: streamId },
  changeset_id: { N: String(changesetId) },
});

/**
 * The INSERT record a commit produces, its new image being exactly the item the DynamoDB store
 * writes (large changesets compressed), as the event source mapping delivers it to Lambda.
 */
export async function commitRecord(spec: CommitSpec): Promise<DynamoDBRecord> {
  const metadata = spec.metadata ?? {};
  const item = changesetItem({
    streamId: spec.streamId,
    changesetId: spec.changesetId,
    firstEventId: spec.firstEventId,
    lastEventId: spec.firstEventId + spec.events.length - 1,
    timestamp: '2026-11-27T09:00:00.000Z',
    commitId: newCommitId(),
    payload: await encodePayload(spec.streamId, {
      events: JSON.stringify(spec.events),
      metadata: JSON.stringify(metadata),
    }),
  });
  const SequenceNumber = nextSequenceNumber();
  return {
    eventID: `e-${SequenceNumber}`,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      ApproximateCreationDateTime: 1_700_000_000,
      Keys: keys(spec.streamId, spec.changesetId),
      NewImage: lambdaImage(item),
      SequenceNumber,
      SizeBytes: 300,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN:
      'arn:aws:dynamodb:eu-west-1:123456789012:table/events/stream/2026-11-27T00:00:00.000',
  };
}

/** The indexer's update of a changeset: a MODIFY whose new image has the checkpoint. */
export function indexedRecord(commit: DynamoDBRecord, checkpoint: number): DynamoDBRecord {
  return {
    ...commit,
    eventName: 'MODIFY',
    dynamodb: {
      ...commit.dynamodb,
      NewImage: {
        ...commit.dynamodb?.NewImage,
        checkpoint: { N: String(checkpoint) },
        page: { N: '0' },
      },
      SequenceNumber: nextSequenceNumber(),
    },
  };
}

/** A write of the store's own bookkeeping (the checkpoint counter, range key 0). */
export function bookkeepingRecord(): DynamoDBRecord {
  return {
    eventName: 'MODIFY',
    dynamodb: {
      Keys: keys('$ees:checkpoint-counter', 0),
      NewImage: { ...keys('$ees:checkpoint-counter', 0), next_checkpoint: { N: '7' } },
      SequenceNumber: nextSequenceNumber(),
    },
  };
}

/** A stream's changesets, numbered the way commits number them. */
export async function streamCommits(
  streamId: string,
  changesets: readonly (readonly JsonObject[])[],
): Promise<DynamoDBRecord[]> {
  let firstEventId = 1;
  return Promise.all(
    changesets.map((events, index) => {
      const record = commitRecord({ streamId, changesetId: index + 1, firstEventId, events });
      firstEventId += events.length;
      return record;
    }),
  );
}

/** Interleaves lists: a1 b1 c1 a2 b2 ... (a shard delivers streams interleaved). */
export function interleave<T>(...lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const longest = Math.max(...lists.map((list) => list.length));
  for (let i = 0; i < longest; i++) {
    for (const list of lists) {
      const item = list[i];
      if (item !== undefined) out.push(item);
    }
  }
  return out;
}

/** A Lambda event of these records, sequence numbers increasing in their order (as in a shard). */
export function streamEvent(records: readonly DynamoDBRecord[]): DynamoDBStreamEvent {
  return {
    Records: records.map((record) => ({
      ...record,
      dynamodb: { ...record.dynamodb, SequenceNumber: nextSequenceNumber() },
    })),
  };
}

/** The item at `index`, which the test knows is there. */
export function at<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`nothing at ${index}`);
  return item;
}

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord } from 'aws-lambda';

/** One attribute as Lambda's JSON carries it: binary as base64 text, everything else as is. */
function toLambdaAttribute(value: AttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttribute) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  return value as LambdaAttributeValue;
}

const toLambdaImage = (
  image: Record<string, AttributeValue>,
): Record<string, LambdaAttributeValue> =>
  Object.fromEntries(
    Object.entries(image).map(([name, value]) => [name, toLambdaAttribute(value)]),
  );

/**
 * A record read with GetRecords (the SDK's shape) as Lambda's event source mapping hands it to a
 * function: JSON, binary attributes base64-encoded, the creation time in epoch seconds. Feeding
 * the handlers this shape locally exercises the same decoding as on AWS.
 */
export function toLambdaRecord(record: _Record, eventSourceARN?: string): DynamoDBRecord {
  const stream = record.dynamodb;
  const image = (item: Record<string, AttributeValue> | undefined) =>
    item === undefined ? undefined : toLambdaImage(item);
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    ...(eventSourceARN === undefined ? {} : { eventSourceARN }),
    dynamodb: {
      ApproximateCreationDateTime:
        stream?.ApproximateCreationDateTime === undefined
          ? undefined
          : Math.floor(stream.ApproximateCreationDateTime.getTime() / 1000),
      Keys: image(stream?.Keys),
      NewImage: image(stream?.NewImage),
      OldImage: image(stream?.OldImage),
      SequenceNumber: stream?.SequenceNumber,
      SizeBytes: stream?.SizeBytes,
      StreamViewType: stream?.StreamViewType,
    },
  };
}

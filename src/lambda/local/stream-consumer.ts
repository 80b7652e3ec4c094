import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { StreamPoller } from '../../stores/dynamodb/index.js';
import { createStreamPoller } from '../../stores/dynamodb/index.js';
import type { StreamEventSourceOptions } from './event-source-mapping.js';
import { createStreamEventSource } from './event-source-mapping.js';
import { toLambdaRecord } from './lambda-records.js';

export interface LocalStreamConsumerOptions extends Omit<StreamEventSourceOptions, 'streamArn'> {
  readonly streamsClient: DynamoDBStreamsClient;
  readonly streamArn: string;
}

/**
 * A stream consumer function (indexer, publisher) fed the way AWS feeds it, without AWS: the
 * table's stream read by the store's poller, every batch turned into Lambda's JSON records and
 * delivered through the event source mapping emulation. Each consumer has its own position in
 * the stream, as each event source mapping has on AWS. `poll()` reads up to the stream's end.
 *
 * @example
 * const indexer = createLocalStreamConsumer({ streamsClient, streamArn, handler, retryAttempts: 10,
 *   bisectBatchOnError: true, onFailure });
 * await indexer.poll();
 */
export function createLocalStreamConsumer(options: LocalStreamConsumerOptions): StreamPoller {
  const source = createStreamEventSource(options);
  return createStreamPoller({
    streamsClient: options.streamsClient,
    streamArn: options.streamArn,
    onRecords: async (records) => {
      await source.deliver(records.map((record) => toLambdaRecord(record, options.streamArn)));
      return records.length;
    },
  });
}

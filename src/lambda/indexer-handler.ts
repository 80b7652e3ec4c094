import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { Table } from '../stores/dynamodb/index.js';
import { indexStreamRecords } from '../stores/dynamodb/index.js';
import type { StreamRecord } from './stream-records.js';
import { batchResponse, streamIdOf } from './stream-records.js';

export interface IndexerHandlerOptions {
  /** The events table, with the client the function keeps across invocations. */
  readonly table: Table;
  /** Told why a batch or a stream could not be indexed. Default: `console.error`. */
  readonly onError?: (error: unknown) => void;
}

interface StreamBatch {
  readonly records: StreamRecord[];
  readonly positions: number[];
}

/** The batch's records grouped by stream, in order of first appearance. */
function byStream(records: readonly StreamRecord[]): Map<string, StreamBatch> {
  const streams = new Map<string, StreamBatch>();
  records.forEach((record, position) => {
    const streamId = streamIdOf(record);
    if (streamId === undefined) return;
    const stream = streams.get(streamId) ?? { records: [], positions: [] };
    stream.records.push(record);
    stream.positions.push(position);
    streams.set(streamId, stream);
  });
  return streams;
}

/**
 * The indexer function: a DynamoDB Streams batch → the global indexer, which gives the batch's
 * changesets their checkpoints (see `indexStreamRecords`).
 *
 * The whole batch is indexed in one go: few transactions, one counter read. Should that fail,
 * each stream is indexed on its own, so that one stream that cannot be indexed (a poison
 * record, say) does not hold back the others: only the records of the streams that still fail
 * are reported, and Lambda retries from the first of them (with later records of every stream,
 * which is harmless: the indexer skips what is indexed already). Indexing is idempotent, so any
 * retry, bisection or duplicate delivery is safe.
 *
 * @example
 * export const handler = createIndexerHandler({ table: { client, tableName: 'events' } });
 */
export function createIndexerHandler(
  options: IndexerHandlerOptions,
): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
  const report =
    options.onError ??
    ((error: unknown) => {
      console.error('indexer:', error);
    });
  return async (event) => {
    const records = event.Records;
    try {
      await indexStreamRecords(options.table, records);
      return { batchItemFailures: [] };
    } catch (error) {
      report(error);
    }
    const failed = new Set<number>();
    for (const [streamId, { records: streamRecords, positions }] of byStream(records)) {
      try {
        await indexStreamRecords(options.table, streamRecords);
      } catch (error) {
        report(
          new Error(`Stream ${JSON.stringify(streamId)} could not be indexed`, { cause: error }),
        );
        for (const position of positions) failed.add(position);
      }
    }
    return batchResponse(records, failed);
  };
}

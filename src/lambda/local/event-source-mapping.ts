import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/**
 * What Lambda sends to a stream consumer's on-failure destination when a batch exhausts its
 * retries: where the records are, not the records. They stay readable in the stream (24 hours)
 * at these sequence numbers, and the changesets stay in the table.
 */
export interface StreamBatchFailure {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly functionArn: string;
    readonly condition: 'RetryAttemptsExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: { readonly functionError?: string };
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

export interface StreamEventSourceOptions {
  /** The function, as Lambda calls it. */
  readonly handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  /** Retries of a failing batch before it goes to `onFailure` (the mapping's MaximumRetryAttempts). */
  readonly retryAttempts: number;
  /** Split a batch whose invocation throws in two, and retry each half (BisectBatchOnFunctionError). */
  readonly bisectBatchOnError: boolean;
  /** The on-failure destination (an SQS dead-letter queue on AWS). */
  readonly onFailure: (failure: StreamBatchFailure) => Promise<void>;
  readonly functionArn?: string;
  readonly streamArn?: string;
  readonly shardId?: string;
}

/** Delivers batches of one shard to a function. */
export interface StreamEventSource {
  /** Resolves once the batch is processed or sent to the on-failure destination. */
  deliver(records: readonly DynamoDBRecord[]): Promise<void>;
}

const sequenceOf = (record: DynamoDBRecord | undefined): string =>
  record?.dynamodb?.SequenceNumber ?? '';

/**
 * Lambda's DynamoDB Streams event source mapping, in process, for running the stream consumers
 * without AWS (the end-to-end test, the local stack). It follows the documented behaviour the
 * CDK app configures (ReportBatchItemFailures, BisectBatchOnFunctionError, MaximumRetryAttempts,
 * an on-failure destination):
 * - a batch whose response lists failures is retried from the lowest reported sequence number,
 *   with every record after it (a shard is processed in order);
 * - an invocation that throws is retried whole, or, with bisection, as two halves in turn;
 * - after `retryAttempts` retries the remaining records are skipped and described to `onFailure`.
 *
 * Bisection here splits on the first error of a batch rather than after a retry; either way a
 * poison record ends up alone before it is given up.
 */
export function createStreamEventSource(options: StreamEventSourceOptions): StreamEventSource {
  const functionArn = options.functionArn ?? 'arn:aws:lambda:local:000000000000:function:local';
  const streamArn =
    options.streamArn ?? 'arn:aws:dynamodb:local:000000000000:table/local/stream/local';

  const giveUp = async (
    records: readonly DynamoDBRecord[],
    invocations: number,
    error?: unknown,
  ) => {
    await options.onFailure({
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        functionArn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: invocations,
      },
      responseContext:
        error === undefined
          ? {}
          : { functionError: error instanceof Error ? error.name : 'Unhandled' },
      DDBStreamBatchInfo: {
        shardId: options.shardId ?? 'shard-local',
        startSequenceNumber: sequenceOf(records[0]),
        endSequenceNumber: sequenceOf(records.at(-1)),
        batchSize: records.length,
        streamArn,
      },
    });
  };

  const deliver = async (batch: readonly DynamoDBRecord[]): Promise<void> => {
    let pending = batch;
    for (let invocations = 1; pending.length > 0; invocations++) {
      let from = 0;
      let error: unknown;
      try {
        const response = await options.handler({ Records: [...pending] });
        const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        if (failed.size === 0) return;
        // An identifier that names no record of the batch fails the whole batch.
        from = Math.max(
          0,
          pending.findIndex((record) => failed.has(sequenceOf(record))),
        );
      } catch (thrown) {
        error = thrown;
        if (options.bisectBatchOnError && pending.length > 1) {
          const middle = Math.ceil(pending.length / 2);
          await deliver(pending.slice(0, middle));
          await deliver(pending.slice(middle));
          return;
        }
      }
      pending = pending.slice(from);
      if (invocations > options.retryAttempts) {
        await giveUp(pending, invocations, error);
        return;
      }
    }
  };

  return { deliver };
}

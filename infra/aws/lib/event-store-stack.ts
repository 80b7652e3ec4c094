import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { STATISTICS_PROJECTION } from '../../../src/core/statistics.js';
import {
  CORS_ALLOW_HEADERS as SDK_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_MAX_AGE_S,
  parseCorsOrigins,
} from '../../../src/http/cors-policy.js';
import { LAMBDA_ENV } from '../../../src/lambda/settings.js';
import { NOT_PUBLISHED } from '../../../src/push/sns/publish-in-order.js';
import { tableDefinition } from '../../../src/stores/dynamodb/create-table.js';
import { ATTR, projectionKey } from '../../../src/stores/dynamodb/schema.js';
import { eventsTable } from './events-table.js';
import { ENTRIES, LOCK_FILE, PROJECT_ROOT } from './source.js';

/**
 * Who may call the API: `iam` (SigV4-signed requests of principals allowed `execute-api:Invoke`,
 * the default) or `api-key` (an `x-api-key` header with a key of the stack's usage plan).
 * The original service's API was open to anyone with its URL; this one never is.
 */
export type ApiAuth = 'iam' | 'api-key';

export const API_AUTH_MODES: readonly ApiAuth[] = ['iam', 'api-key'];

export interface EventStoreStackProps extends StackProps {
  readonly auth: ApiAuth;
  /** What `GET /version` answers: the event store package's version. */
  readonly version: string;
  /**
   * Web origins whose pages may call the API from a browser (`https://app.example.com`, or
   * `*`). API Gateway answers their preflight requests, which carry no credentials, and the API
   * function adds the CORS headers to its answers (`EES_CORS_ORIGINS`). None by default.
   */
  readonly corsOrigins?: readonly string[];
  /**
   * Requests per second the API's stage takes, steadily and in a burst, before API Gateway
   * answers 429 `TOO_MANY_REQUESTS` without invoking the function; with `auth: 'api-key'` each key
   * of the usage plan gets the same limits. The account's regional limits when left out.
   */
  readonly throttle?: ApiThrottle;
  /**
   * One JSON line per API request (caller, method, path, status, latency, request id) in a log
   * group of the stack, kept a month. API Gateway writes it with the account's API Gateway
   * CloudWatch role, which the stack then sets (and keeps when it is destroyed).
   */
  readonly accessLogs?: boolean;
  /**
   * Encrypts the changesets and events topics with a KMS key of the stack (rotated yearly), in
   * place of SNS's unencrypted storage of messages waiting for delivery. Costs a key a month;
   * subscribers need nothing more, as SNS decrypts before it delivers.
   */
  readonly encryptTopics?: boolean;
}

export interface ApiThrottle {
  /** Steady requests per second. */
  readonly rateLimit: number;
  /** Requests the stage takes at once above the steady rate. */
  readonly burstLimit: number;
}

/** Why a throttle cannot be deployed, or undefined. */
export function throttleProblem(throttle: ApiThrottle): string | undefined {
  const { rateLimit, burstLimit } = throttle;
  if (!(Number.isFinite(rateLimit) && rateLimit > 0)) {
    return `throttle rate must be a number of requests per second above 0, not ${String(rateLimit)}`;
  }
  if (!(Number.isSafeInteger(burstLimit) && burstLimit > 0)) {
    return `throttle burst must be a whole number of requests above 0, not ${String(burstLimit)}`;
  }
  return undefined;
}

/** What a throttled client reads, in the API's own error shape. */
export const THROTTLED_BODY = {
  error: 'TOO_MANY_REQUESTS',
  message: 'The API takes fewer requests per second: retry later.',
};

/**
 * What API Gateway's own errors say (a missing or wrong API key or signature, a Lambda that
 * timed out): the API's error shape, with API Gateway's error type as the code
 * (`INVALID_API_KEY`, `MISSING_AUTHENTICATION_TOKEN`, `ACCESS_DENIED`, `INTEGRATION_TIMEOUT`…)
 * and its message, instead of a bare `{"message": …}`.
 */
export const GATEWAY_ERROR_TEMPLATE =
  '{"error":"$context.error.responseType","message":$context.error.messageString}';

/**
 * The CORS header of API Gateway's own answers, so that a page can read them: the one origin
 * or `*` as is; with several, the request's origin is echoed (the body is an error, never data).
 */
function gatewayCorsHeaders(origins: readonly string[]): Record<string, string> {
  const [only] = origins;
  if (only === undefined) return {};
  if (origins.includes('*')) return { 'Access-Control-Allow-Origin': "'*'" };
  if (origins.length === 1) return { 'Access-Control-Allow-Origin': `'${only}'` };
  return {
    'Access-Control-Allow-Origin': 'method.request.header.origin',
    Vary: "'Origin'",
  };
}

/** The request headers a browser page may send: the SDK's, and those of both auth modes. */
const CORS_ALLOW_HEADERS = [
  ...SDK_HEADERS,
  'X-Api-Key',
  'X-Amz-Date',
  'X-Amz-Security-Token',
  'X-Amz-Content-Sha256',
];

/**
 * Retries of a stream batch before it goes to its dead-letter queue. Each retry of a failing
 * batch holds up its shard (records of one stream must stay in order), so the limit bounds how
 * long a poison record can stall the shard; bisection narrows a failing batch down first.
 */
const STREAM_RETRY_ATTEMPTS = 10;

/**
 * How far behind the table a stream consumer may fall before its alarm goes off: the indexer's
 * lag is the enumeration's, the publisher's the push channels'.
 */
const ITERATOR_AGE_ALARM = Duration.minutes(1);

/** Records per stream invocation: the indexer numbers up to 99 changesets per transaction. */
const STREAM_BATCH_SIZE = 100;

/**
 * The bundling shared by the four functions: one minified ESM file each, for Node.js 22, built by
 * the local esbuild (no Docker). The AWS SDK is bundled, not taken from the runtime: its version
 * is then the one the tests ran with, and one file loads faster than the runtime's many.
 * `module` before `main` picks the SDK's ES modules, which tree-shake (a third smaller).
 */
const BUNDLING: nodejs.BundlingOptions = {
  format: nodejs.OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: false,
  mainFields: ['module', 'main'],
  externalModules: [],
  // CommonJS dependencies inside an ES module bundle still call require() for Node built-ins.
  banner:
    "import{createRequire as __ees_cr}from'node:module';const require=__ees_cr(import.meta.url);",
  forceDockerBundling: false,
};

/*
 * The DynamoDB actions each function's code sends (src/stores/dynamodb), and why. Keep in step
 * with the store: a missing action fails only on AWS, with AccessDenied.
 */
/** Reads: GetItem (projections, the checkpoint counter), Query (streams, heads, the enumeration
 * index), BatchGetItem (enumeration pages); opening the store checks the table (DescribeTable). */
const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'dynamodb:DescribeTable',
];
/** API: reads, and commits (a conditional PutItem of the new changeset). */
export const API_TABLE_ACTIONS = [...READ_ACTIONS, 'dynamodb:PutItem'];
/** Indexer: reads the counter and pending changesets, then one TransactWriteItems of UpdateItems. */
export const INDEXER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];
/** Statistics: reads (plus the PutItem of its own projection, granted on that item only). */
export const STATISTICS_TABLE_ACTIONS = READ_ACTIONS;

interface FunctionSpec {
  readonly entry: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
}

/**
 * The Elastic Event Store, serverless: a REST API in front of the API function, a DynamoDB table
 * whose stream feeds the global indexer and the push publisher (two SNS FIFO topics), a
 * dead-letter queue per stream consumer, and the statistics projector on a one-minute schedule.
 * Every function gets exactly the permissions its code uses.
 *
 * Region and account are left to deployment time (an environment-agnostic stack), so that
 * `cdk synth` needs neither credentials nor network.
 */
export class EventStoreStack extends Stack {
  readonly table: dynamodb.Table;
  readonly api: apigateway.LambdaRestApi;
  readonly changesetsTopic: sns.Topic;
  readonly eventsTopic: sns.Topic;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: EventStoreStackProps) {
    super(scope, id, props);
    if (!API_AUTH_MODES.includes(props.auth)) {
      throw new Error(
        `auth must be one of ${API_AUTH_MODES.join(', ')}, not ${props.auth as string}`,
      );
    }
    if (props.throttle !== undefined) {
      const problem = throttleProblem(props.throttle);
      if (problem !== undefined) throw new Error(problem);
    }
    const corsOrigins = props.corsOrigins ?? [];
    const parsedOrigins = parseCorsOrigins(corsOrigins.join(','));
    if ('reason' in parsedOrigins) throw new Error(`corsOrigins: ${parsedOrigins.reason}`);

    // The physical name is CloudFormation's; the functions read it from the environment.
    this.table = eventsTable(this, 'Events', tableDefinition('events'));
    const tableEnv = { [LAMBDA_ENV.tableName]: this.table.tableName };

    // Per-stream order: every message of a stream shares its group id. Deduplication ids come
    // from the publisher (content-based deduplication would drop a legitimately equal message),
    // and deduplicating per message group allows SNS's higher per-group throughput.
    const topicKey =
      props.encryptTopics === true
        ? new kms.Key(this, 'TopicsKey', {
            description: 'Elastic Event Store: encrypts the changesets and events topics',
            enableKeyRotation: true,
            removalPolicy: RemovalPolicy.DESTROY,
          })
        : undefined;
    const fifoTopic = (topicId: string) =>
      new sns.Topic(this, topicId, {
        fifo: true,
        ...(topicKey === undefined ? {} : { masterKey: topicKey }),
        contentBasedDeduplication: false,
        fifoThroughputScope: sns.FifoThroughputScope.MESSAGE_GROUP,
        enforceSSL: true,
      });
    this.changesetsTopic = fifoTopic('ChangesetsTopic');
    this.eventsTopic = fifoTopic('EventsTopic');

    const deadLetterQueue = (queueId: string) =>
      new sqs.Queue(this, queueId, {
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
    const indexerDlq = deadLetterQueue('IndexerDeadLetterQueue');
    const publisherDlq = deadLetterQueue('PublisherDeadLetterQueue');

    const fn = (functionId: string, spec: FunctionSpec): nodejs.NodejsFunction =>
      new nodejs.NodejsFunction(this, functionId, {
        entry: spec.entry,
        handler: 'handler',
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: LOCK_FILE,
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        description: spec.description,
        memorySize: spec.memorySize,
        timeout: spec.timeout,
        environment: spec.environment,
        bundling: BUNDLING,
        logGroup: new logs.LogGroup(this, `${functionId}Logs`, {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      });

    const apiFunction = fn('ApiFunction', {
      entry: ENTRIES.api,
      description: 'Elastic Event Store: the HTTP API',
      // Memory buys CPU: a faster cold start, and brotli for changesets too large for plain JSON.
      memorySize: 1024,
      // API Gateway gives up after 29 seconds.
      timeout: Duration.seconds(29),
      environment: {
        ...tableEnv,
        [LAMBDA_ENV.version]: props.version,
        ...(corsOrigins.length === 0 ? {} : { [LAMBDA_ENV.corsOrigins]: corsOrigins.join(',') }),
      },
    });
    const indexerFunction = fn('IndexerFunction', {
      entry: ENTRIES.indexer,
      description: 'Elastic Event Store: assigns global checkpoints from the table stream',
      memorySize: 512,
      timeout: Duration.minutes(1),
      environment: tableEnv,
    });
    const publisherFunction = fn('PublisherFunction', {
      entry: ENTRIES.publisher,
      description: 'Elastic Event Store: publishes commits to the SNS FIFO topics',
      memorySize: 512,
      timeout: Duration.minutes(1),
      environment: {
        [LAMBDA_ENV.changesetsTopicArn]: this.changesetsTopic.topicArn,
        [LAMBDA_ENV.eventsTopicArn]: this.eventsTopic.topicArn,
      },
    });
    const statisticsFunction = fn('StatisticsFunction', {
      entry: ENTRIES.statistics,
      description: 'Elastic Event Store: the statistics projector, every minute',
      memorySize: 512,
      // Ends a long catch-up itself 10 s before this; the next run goes on from there.
      timeout: Duration.minutes(5),
      environment: tableEnv,
    });

    // The stream consumers: from the oldest record kept, partial batch responses on, a failing
    // batch halved until the failing record is alone, and what still fails after the retries
    // described in the dead-letter queue (shard, sequence numbers: the records stay readable in
    // the stream for 24 hours).
    const streamSource = (dlq: sqs.IQueue) =>
      new DynamoEventSource(this.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: STREAM_BATCH_SIZE,
        retryAttempts: STREAM_RETRY_ATTEMPTS,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(dlq),
      });
    indexerFunction.addEventSource(streamSource(indexerDlq));
    publisherFunction.addEventSource(streamSource(publisherDlq));

    // Least privilege: each function gets the DynamoDB actions its code sends (see
    // src/stores/dynamodb), on the table and its indexes. The event sources above grant the
    // stream reads, and sending to their dead-letter queue, to their functions.
    this.table.grant(apiFunction, ...API_TABLE_ACTIONS);
    this.table.grant(indexerFunction, ...INDEXER_TABLE_ACTIONS);
    // Publisher: never reads the table (records carry the new image); publishes to both topics.
    this.changesetsTopic.grantPublish(publisherFunction);
    this.eventsTopic.grantPublish(publisherFunction);
    // Statistics: reads the enumeration and writes one item, its own projection. That item lives
    // in the events table (the store keeps its bookkeeping next to the data), so the write is
    // narrowed to the item's partition key instead of opening the whole table to it.
    this.table.grant(statisticsFunction, ...STATISTICS_TABLE_ACTIONS);
    statisticsFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'dynamodb:LeadingKeys': [projectionKey(STATISTICS_PROJECTION)[ATTR.streamId]?.S ?? ''],
          },
        },
      }),
    );

    new events.Rule(this, 'StatisticsSchedule', {
      description: 'Runs the Elastic Event Store statistics projector',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      // A missed run is made up by the next one a minute later.
      targets: [new targets.LambdaFunction(statisticsFunction, { retryAttempts: 0 })],
    });

    this.api = new apigateway.LambdaRestApi(this, 'Api', {
      handler: apiFunction,
      proxy: true,
      description: 'Elastic Event Store HTTP API',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // The account-wide role API Gateway logs with: set only when access logs need it, and
      // kept when the stack goes, as other APIs of the account may log with it too.
      cloudWatchRole: props.accessLogs === true,
      ...(props.accessLogs === true ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        stageName: 'prod',
        ...(props.throttle === undefined
          ? {}
          : {
              throttlingRateLimit: props.throttle.rateLimit,
              throttlingBurstLimit: props.throttle.burstLimit,
            }),
        ...(props.accessLogs === true
          ? {
              accessLogDestination: new apigateway.LogGroupLogDestination(
                new logs.LogGroup(this, 'ApiAccessLogs', {
                  retention: logs.RetentionDays.ONE_MONTH,
                  removalPolicy: RemovalPolicy.DESTROY,
                }),
              ),
              accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
            }
          : {}),
      },
      defaultMethodOptions:
        props.auth === 'iam'
          ? { authorizationType: apigateway.AuthorizationType.IAM }
          : { apiKeyRequired: true },
      // Preflight OPTIONS methods answered by API Gateway itself, without authorization.
      ...(corsOrigins.length === 0
        ? {}
        : {
            defaultCorsPreflightOptions: {
              allowOrigins: [...corsOrigins],
              allowMethods: CORS_ALLOW_METHODS,
              allowHeaders: CORS_ALLOW_HEADERS,
              maxAge: Duration.seconds(CORS_MAX_AGE_S),
            },
          }),
    });
    // LambdaRestApi adds an output of its own (`ApiEndpoint<hash>`); `ApiEndpoint` below replaces it.
    this.api.node.tryRemoveChild('Endpoint');
    // API Gateway's own errors say `{"message": "Too Many Requests"}`; the API's have a code.
    const corsHeaders = gatewayCorsHeaders(corsOrigins);
    const responseHeaders =
      Object.keys(corsHeaders).length === 0 ? {} : { responseHeaders: corsHeaders };
    this.api.addGatewayResponse('Throttled', {
      type: apigateway.ResponseType.THROTTLED,
      statusCode: '429',
      ...responseHeaders,
      templates: { 'application/json': JSON.stringify(THROTTLED_BODY) },
    });
    for (const [responseId, type] of [
      ['Default4xx', apigateway.ResponseType.DEFAULT_4XX],
      ['Default5xx', apigateway.ResponseType.DEFAULT_5XX],
    ] as const) {
      this.api.addGatewayResponse(responseId, {
        type,
        ...responseHeaders,
        templates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
      });
    }
    if (props.auth === 'api-key') {
      const plan = this.api.addUsagePlan('UsagePlan', {
        description: 'Elastic Event Store API clients',
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
        ...(props.throttle === undefined ? {} : { throttle: { ...props.throttle } }),
      });
      const key = this.api.addApiKey('ApiKey', {
        description:
          'Elastic Event Store API key (read it with aws apigateway get-api-key --include-value)',
      });
      plan.addApiKey(key);
      new CfnOutput(this, 'ApiKeyId', {
        description: 'aws apigateway get-api-key --api-key <id> --include-value',
        value: key.keyId,
      });
    }

    // Alarms, all notifying one topic the operator subscribes to: what the stream consumers
    // could not process (their dead-letter queues), how far behind the table they are, and the
    // messages too large for SNS that the publisher left out.
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Elastic Event Store alarms',
      enforceSSL: true,
    });
    // The topic has a policy of its own (the TLS rule), which replaces SNS's default one: the
    // alarms of this account need an explicit right to publish.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*`,
          },
        },
      }),
    );
    const alarm = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      description: string,
      threshold = 1,
    ) =>
      new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    const perMinute = { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM };
    alarm(
      'IndexerDeadLetterAlarm',
      indexerDlq.metricApproximateNumberOfMessagesVisible(perMinute),
      'Stream records the indexer gave up on (see the indexer dead-letter queue): changesets without a checkpoint, so the enumeration stops before them.',
    );
    alarm(
      'PublisherDeadLetterAlarm',
      publisherDlq.metricApproximateNumberOfMessagesVisible(perMinute),
      'Stream records the publisher gave up on (see the publisher dead-letter queue): changesets missing from the SNS topics.',
    );
    alarm(
      'IndexerIteratorAgeAlarm',
      indexerFunction.metric('IteratorAge', perMinute),
      `The indexer is more than ${ITERATOR_AGE_ALARM.toHumanString()} behind the table: the enumeration lags by as much.`,
      ITERATOR_AGE_ALARM.toMilliseconds(),
    );
    alarm(
      'PublisherIteratorAgeAlarm',
      publisherFunction.metric('IteratorAge', perMinute),
      `The publisher is more than ${ITERATOR_AGE_ALARM.toHumanString()} behind the table: pushes are late by as much.`,
      ITERATOR_AGE_ALARM.toMilliseconds(),
    );
    const unpublished = new logs.MetricFilter(this, 'UnpublishedMessagesFilter', {
      logGroup: publisherFunction.logGroup,
      filterPattern: logs.FilterPattern.allTerms(NOT_PUBLISHED),
      metricNamespace: `ElasticEventStore/${this.stackName}`,
      metricName: 'UnpublishedMessages',
      metricValue: '1',
    });
    alarm(
      'UnpublishedMessagesAlarm',
      unpublished.metric({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
      'Messages over the SNS size limit that the publisher left out (its log says which): subscribers see a gap in the stream and read the changeset from the API.',
    );

    new CfnOutput(this, 'ApiEndpoint', { value: this.api.url });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'ChangesetsTopicArn', { value: this.changesetsTopic.topicArn });
    new CfnOutput(this, 'EventsTopicArn', { value: this.eventsTopic.topicArn });
    new CfnOutput(this, 'IndexerDeadLetterQueueUrl', { value: indexerDlq.queueUrl });
    new CfnOutput(this, 'PublisherDeadLetterQueueUrl', { value: publisherDlq.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Subscribe to be told of alarms (aws sns subscribe --protocol email ...)',
      value: this.alarmTopic.topicArn,
    });
  }
}

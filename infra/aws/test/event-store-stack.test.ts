import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Token } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LAMBDA_ENV } from '../../../src/lambda/settings.js';
import { NOT_PUBLISHED } from '../../../src/push/sns/publish-in-order.js';
import { tableDefinition } from '../../../src/stores/dynamodb/create-table.js';
import { projectVersion } from '../lib/source.js';
import { actionsOf, logicalId, resourceOf, statementsOf, synth } from './synth.js';

/*
 * The stack as `cdk deploy` would create it, with IAM authorization (the default): its four
 * functions bundled for real and the template through CDK's CloudFormation validation. One
 * synthesis for the whole file.
 */
const { stack, template, outdir } = synth('iam', { bundle: true, validate: true });

const id = (type: string, prefix: string) => logicalId(template, type, prefix);
const TABLE = id('AWS::DynamoDB::Table', 'Events');
const tableArn = { 'Fn::GetAtt': [TABLE, 'Arn'] };
const streamArn = { 'Fn::GetAtt': [TABLE, 'StreamArn'] };
const indexArns = { 'Fn::Join': ['', [tableArn, '/index/*']] };
const FUNCTIONS = {
  api: id('AWS::Lambda::Function', 'ApiFunction'),
  indexer: id('AWS::Lambda::Function', 'IndexerFunction'),
  publisher: id('AWS::Lambda::Function', 'PublisherFunction'),
  statistics: id('AWS::Lambda::Function', 'StatisticsFunction'),
};
const CHANGESETS_TOPIC = id('AWS::SNS::Topic', 'ChangesetsTopic');
const EVENTS_TOPIC = id('AWS::SNS::Topic', 'EventsTopic');
const INDEXER_DLQ = id('AWS::SQS::Queue', 'IndexerDeadLetterQueue');
const PUBLISHER_DLQ = id('AWS::SQS::Queue', 'PublisherDeadLetterQueue');

describe('the events table', () => {
  const definition = tableDefinition('events');

  it('has exactly the keys, indexes and stream of the DynamoDB store definition', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: definition.KeySchema,
      AttributeDefinitions: Match.arrayEquals(
        (definition.AttributeDefinitions ?? []).map((a) => Match.objectEquals({ ...a })),
      ),
      LocalSecondaryIndexes: (definition.LocalSecondaryIndexes ?? []).map((index) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: { ProjectionType: 'KEYS_ONLY' },
      })),
      GlobalSecondaryIndexes: (definition.GlobalSecondaryIndexes ?? []).map((index) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: { ProjectionType: 'KEYS_ONLY' },
      })),
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
    expect(definition.LocalSecondaryIndexes).toHaveLength(2);
    expect(definition.GlobalSecondaryIndexes).toHaveLength(1);
  });

  it('keeps 35 days of point-in-time recovery and outlives the stack', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('the functions', () => {
  it('are four, on Node.js 22, ARM64, with their own log groups', () => {
    template.resourceCountIs('AWS::Lambda::Function', 4);
    for (const logical of Object.values(FUNCTIONS)) {
      expect(resourceOf(template, logical).Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) as unknown } },
      });
    }
    template.resourceCountIs('AWS::Logs::LogGroup', 4);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('get their settings from the environment variables the entry points read', () => {
    const env = (logical: string) =>
      (resourceOf(template, logical).Properties.Environment as { Variables: unknown }).Variables;
    expect(env(FUNCTIONS.api)).toEqual({
      [LAMBDA_ENV.tableName]: { Ref: TABLE },
      [LAMBDA_ENV.version]: projectVersion(),
    });
    expect(env(FUNCTIONS.indexer)).toEqual({ [LAMBDA_ENV.tableName]: { Ref: TABLE } });
    expect(env(FUNCTIONS.statistics)).toEqual({ [LAMBDA_ENV.tableName]: { Ref: TABLE } });
    expect(env(FUNCTIONS.publisher)).toEqual({
      [LAMBDA_ENV.changesetsTopicArn]: { Ref: CHANGESETS_TOPIC },
      [LAMBDA_ENV.eventsTopicArn]: { Ref: EVENTS_TOPIC },
    });
  });

  it('are bundled into one minified ES module each, the API under 1 MiB', () => {
    const sizes: Record<string, number> = {};
    for (const [name, logical] of Object.entries(FUNCTIONS)) {
      const asset = resourceOf(template, logical).Properties.Code as { S3Key: string };
      const bundle = join(outdir, `asset.${asset.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
      expect(existsSync(bundle)).toBe(true);
      sizes[name] = statSync(bundle).size;
      const code = readFileSync(bundle, 'utf8');
      expect(code.split('\n').length).toBeLessThan(400); // minified
      expect(code).toMatch(/export\s*\{[^}]*as handler\s*\}/);
    }
    expect(sizes.api).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe('the stream consumers', () => {
  it.each([
    ['indexer', FUNCTIONS.indexer, INDEXER_DLQ],
    ['publisher', FUNCTIONS.publisher, PUBLISHER_DLQ],
  ])(
    'feed the table stream to the %s with partial batch responses, bisection, bounded retries and a dead-letter queue',
    (_, fn, dlq) => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fn },
        EventSourceArn: streamArn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumRetryAttempts: 10,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
      });
    },
  );

  it('are the only two event source mappings, with a queue each', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.allResourcesProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
  });
});

describe('the push topics', () => {
  it('are two SNS FIFO topics deduplicating by the publisher ids, ordered per message group', () => {
    // The third is the alarm topic.
    template.resourceCountIs('AWS::SNS::Topic', 3);
    for (const topic of [CHANGESETS_TOPIC, EVENTS_TOPIC]) {
      expect(resourceOf(template, topic).Properties).toMatchObject({
        FifoTopic: true,
        ContentBasedDeduplication: false,
        FifoThroughputScope: 'MessageGroup',
        TopicName: expect.stringMatching(/\.fifo$/) as unknown,
      });
    }
  });

  it('refuse publishing without TLS, as the alarm topic does', () => {
    template.resourceCountIs('AWS::SNS::TopicPolicy', 3);
    template.allResourcesProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('the API', () => {
  it('proxies every path and method to the API function', () => {
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.resourceCountIs('AWS::ApiGateway::Method', 2);
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
    template.allResourcesProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'ANY',
      Integration: {
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [FUNCTIONS.api, 'Arn'] }])],
        }),
      },
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod' });
  });

  it('requires IAM (SigV4) authorization on every method, and no API key', () => {
    template.allResourcesProperties('AWS::ApiGateway::Method', {
      AuthorizationType: 'AWS_IAM',
      ApiKeyRequired: Match.absent(),
    });
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
  });

  it('leaves the account-wide API Gateway logging role alone', () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('the statistics schedule', () => {
  it('runs the statistics function every minute', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [FUNCTIONS.statistics, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [FUNCTIONS.statistics, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });
});

describe('least privilege', () => {
  const streamRead = [
    'dynamodb:DescribeStream',
    'dynamodb:GetRecords',
    'dynamodb:GetShardIterator',
    'dynamodb:ListStreams',
  ];
  const dlqSend = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
  const onTable = (actions: string[]) =>
    Match.objectLike({ Action: actions, Effect: 'Allow', Resource: [tableArn, indexArns] });

  it('lets the API function read the table and put changesets, nothing else', () => {
    const statements = statementsOf(template, 'ApiFunction');
    expect(statements).toHaveLength(1);
    expect(statements[0]).toEqual({
      Effect: 'Allow',
      Action: [
        'dynamodb:BatchGetItem',
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
      ],
      Resource: [tableArn, indexArns],
    });
  });

  it('lets the indexer read and update the table and read its stream', () => {
    const statements = statementsOf(template, 'IndexerFunction');
    expect(actionsOf(statements)).toEqual(
      [
        ...dlqSend,
        ...streamRead,
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ].sort(),
    );
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      Resource: streamArn,
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: dlqSend,
      Resource: { 'Fn::GetAtt': [INDEXER_DLQ, 'Arn'] },
    });
    expect(
      onTable(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']).test(
        statements.find((s) => JSON.stringify(s).includes('UpdateItem')),
      ).isSuccess,
    ).toBe(true);
  });

  it('lets the publisher read the stream and publish to exactly the two topics, never touch the table', () => {
    const statements = statementsOf(template, 'PublisherFunction');
    expect(actionsOf(statements)).toEqual([...dlqSend, ...streamRead, 'sns:Publish'].sort());
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: [{ Ref: CHANGESETS_TOPIC }, { Ref: EVENTS_TOPIC }],
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: dlqSend,
      Resource: { 'Fn::GetAtt': [PUBLISHER_DLQ, 'Arn'] },
    });
    expect(JSON.stringify(statements)).not.toContain(`"${TABLE}","Arn"`);
  });

  it('lets the statistics function read the table and write only its own projection item', () => {
    const statements = statementsOf(template, 'StatisticsFunction');
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:BatchGetItem',
          'dynamodb:DescribeTable',
          'dynamodb:GetItem',
          'dynamodb:Query',
        ],
        Resource: [tableArn, indexArns],
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: tableArn,
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['$ees:projection:statistics'] },
        },
      },
    ]);
  });

  it('gives each function a role of its own, assumable by Lambda only', () => {
    template.resourceCountIs('AWS::IAM::Role', 4);
    template.allResourcesProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
          },
        ],
      },
    });
  });
});

describe('the alarms', () => {
  const ALARM_TOPIC = id('AWS::SNS::Topic', 'AlarmTopic');
  const alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<
    string,
    { Properties: Record<string, unknown> }
  >;
  const alarmOf = (prefix: string) => resourceOf(template, id('AWS::CloudWatch::Alarm', prefix));

  it('are five, each notifying the alarm topic once at or over its threshold', () => {
    expect(Object.keys(alarms)).toHaveLength(5);
    for (const { Properties } of Object.values(alarms)) {
      expect(Properties).toMatchObject({
        AlarmActions: [{ Ref: ALARM_TOPIC }],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        Period: 60,
      });
    }
  });

  it("notify a standard topic that only this account's alarms may publish to", () => {
    expect(resourceOf(template, ALARM_TOPIC).Properties).not.toHaveProperty('FifoTopic');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: ALARM_TOPIC }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: ALARM_TOPIC },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
  });

  it('watch both dead-letter queues for any record', () => {
    for (const [prefix, queue] of [
      ['IndexerDeadLetterAlarm', INDEXER_DLQ],
      ['PublisherDeadLetterAlarm', PUBLISHER_DLQ],
    ] as const) {
      expect(alarmOf(prefix).Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
      });
    }
  });

  it('watch how far both stream consumers are behind the table', () => {
    for (const [prefix, fn] of [
      ['IndexerIteratorAgeAlarm', FUNCTIONS.indexer],
      ['PublisherIteratorAgeAlarm', FUNCTIONS.publisher],
    ] as const) {
      expect(alarmOf(prefix).Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
        Statistic: 'Maximum',
        Threshold: 60_000,
      });
    }
  });

  it("count the publisher's log lines about messages left out for their size", () => {
    const filter = resourceOf(template, id('AWS::Logs::MetricFilter', 'UnpublishedMessagesFilter'));
    expect(filter.Properties).toEqual({
      LogGroupName: { Ref: id('AWS::Logs::LogGroup', 'PublisherFunctionLogs') },
      FilterPattern: `"${NOT_PUBLISHED}"`,
      MetricTransformations: [
        {
          MetricNamespace: `ElasticEventStore/${stack.stackName}`,
          MetricName: 'UnpublishedMessages',
          MetricValue: '1',
        },
      ],
    });
    expect(alarmOf('UnpublishedMessagesAlarm').Properties).toMatchObject({
      Namespace: `ElasticEventStore/${stack.stackName}`,
      MetricName: 'UnpublishedMessages',
      Statistic: 'Sum',
      Threshold: 1,
    });
  });
});

describe('the stack', () => {
  it('outputs the endpoint, the table, the topics and the dead-letter queues', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AlarmTopicArn',
        'ApiEndpoint',
        'ChangesetsTopicArn',
        'EventsTopicArn',
        'IndexerDeadLetterQueueUrl',
        'PublisherDeadLetterQueueUrl',
        'TableName',
      ].sort(),
    );
    expect(outputs.ChangesetsTopicArn?.Value).toEqual({ Ref: CHANGESETS_TOPIC });
    expect(outputs.EventsTopicArn?.Value).toEqual({ Ref: EVENTS_TOPIC });
    expect(outputs.IndexerDeadLetterQueueUrl?.Value).toEqual({ Ref: INDEXER_DLQ });
    expect(outputs.PublisherDeadLetterQueueUrl?.Value).toEqual({ Ref: PUBLISHER_DLQ });
    expect(outputs.TableName?.Value).toEqual({ Ref: TABLE });
    expect(outputs.AlarmTopicArn?.Value).toEqual({ Ref: id('AWS::SNS::Topic', 'AlarmTopic') });
    expect(JSON.stringify(outputs.ApiEndpoint?.Value)).toContain('execute-api');
  });

  it("passes CDK's CloudFormation validation without a finding", () => {
    // The built-in validation writes its findings (schema, best-practice rules) to this report;
    // a rule it breaks shows up as a violation naming the construct.
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: { ruleName: string; description: string }[] }[];
    };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });

  it('is environment-agnostic, so synthesis needs no account, region or credentials', () => {
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/\b\d{12}\b/);
  });
});

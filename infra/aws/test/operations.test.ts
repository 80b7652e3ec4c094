import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { deployOptions } from '../lib/context.js';
import {
  EventStoreStack,
  GATEWAY_ERROR_TEMPLATE,
  THROTTLED_BODY,
} from '../lib/event-store-stack.js';
import { actionsOf, logicalId, resourceOf, statementsOf, synth } from './synth.js';

/*
 * What the operator chooses at deployment: a throttle on the API and its access logs. Only the
 * templates matter here, so the functions are not bundled.
 */
const throttle = { rateLimit: 250, burstLimit: 500 };
const plain = synth('iam', { bundle: false, validate: false }).template;
const operated = synth('iam', {
  bundle: false,
  validate: false,
  throttle,
  accessLogs: true,
}).template;

describe('the API throttle', () => {
  it('limits every method of the stage', () => {
    operated.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 250,
          ThrottlingBurstLimit: 500,
        }),
      ]),
    });
  });

  it('limits each API key the same way', () => {
    const { template } = synth('api-key', { bundle: false, validate: false, throttle });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 250, BurstLimit: 500 },
    });
  });

  it('is the account limit when not asked for', () => {
    const stage = resourceOf(
      plain,
      logicalId(plain, 'AWS::ApiGateway::Stage', 'ApiDeploymentStage'),
    );
    expect(stage.Properties.MethodSettings).toBeUndefined();
    const { template } = synth('api-key', { bundle: false, validate: false });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: Match.absent() });
  });

  it('answers a throttled request in the API error shape, with or without a throttle', () => {
    for (const template of [plain, operated]) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'THROTTLED',
        StatusCode: '429',
        ResponseTemplates: { 'application/json': JSON.stringify(THROTTLED_BODY) },
      });
    }
  });

  it("words API Gateway's other errors in the API error shape, with their type as the code", () => {
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      plain.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
      });
    }
    // What API Gateway makes of the template for a wrong API key, its message being quoted.
    const body = GATEWAY_ERROR_TEMPLATE.replace(
      '$context.error.responseType',
      'INVALID_API_KEY',
    ).replace('$context.error.messageString', JSON.stringify('Forbidden'));
    expect(JSON.parse(body)).toEqual({ error: 'INVALID_API_KEY', message: 'Forbidden' });
  });

  it.each([
    [{ rateLimit: 0, burstLimit: 10 }, /throttle rate must be .* above 0, not 0/],
    [{ rateLimit: Number.NaN, burstLimit: 10 }, /throttle rate .* not NaN/],
    [{ rateLimit: 10, burstLimit: 1.5 }, /throttle burst must be a whole number .* not 1.5/],
  ])('refuses a throttle it cannot deploy: %o', (bad, message) => {
    expect(
      () => new EventStoreStack(new App(), 'Bad', { auth: 'iam', version: '0.0.0', throttle: bad }),
    ).toThrow(message);
  });
});

describe('access logs', () => {
  it('write one JSON line per request to a log group of the stack, kept a month', () => {
    const logGroup = logicalId(operated, 'AWS::Logs::LogGroup', 'ApiAccessLogs');
    expect(resourceOf(operated, logGroup).Properties).toMatchObject({ RetentionInDays: 30 });
    operated.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: {
        DestinationArn: { 'Fn::GetAtt': [logGroup, 'Arn'] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
  });

  it("set the account's API Gateway logging role, and keep it when the stack goes", () => {
    operated.resourceCountIs('AWS::ApiGateway::Account', 1);
    const account = logicalId(operated, 'AWS::ApiGateway::Account', 'Api');
    expect(operated.toJSON()).toMatchObject({
      Resources: { [account]: { DeletionPolicy: 'Retain' } },
    });
  });

  it('are off, and the account role untouched, when not asked for', () => {
    plain.resourceCountIs('AWS::ApiGateway::Account', 0);
    plain.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: Match.absent() });
  });
});

describe('encrypted topics', () => {
  const { template } = synth('iam', { bundle: false, validate: false, encryptTopics: true });

  it('encrypt both push topics with one rotated key of the stack, and not the alarm topic', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    const key = logicalId(template, 'AWS::KMS::Key', 'TopicsKey');
    expect(resourceOf(template, key).Properties).toMatchObject({ EnableKeyRotation: true });
    const topics = Object.values(template.findResources('AWS::SNS::Topic')).map(
      (topic) => (topic as { Properties: Record<string, unknown> }).Properties,
    );
    const encrypted = topics.filter((topic) => topic.KmsMasterKeyId !== undefined);
    expect(encrypted.map((topic) => [topic.FifoTopic, topic.KmsMasterKeyId])).toEqual([
      [true, { 'Fn::GetAtt': [key, 'Arn'] }],
      [true, { 'Fn::GetAtt': [key, 'Arn'] }],
    ]);
    expect(topics).toHaveLength(3);
  });

  it('let the publisher use the key, and no other function', () => {
    const key = logicalId(template, 'AWS::KMS::Key', 'TopicsKey');
    const onKey = (prefix: string) =>
      actionsOf(
        statementsOf(template, prefix).filter(
          (statement) =>
            JSON.stringify(statement.Resource) === JSON.stringify({ 'Fn::GetAtt': [key, 'Arn'] }),
        ),
      );
    expect(onKey('PublisherFunction')).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    for (const other of ['ApiFunction', 'IndexerFunction', 'StatisticsFunction']) {
      expect(onKey(other)).toEqual([]);
    }
  });

  it('are not encrypted with a key of the stack unless asked', () => {
    plain.resourceCountIs('AWS::KMS::Key', 0);
    plain.allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.absent() });
  });
});

describe('the -c options of cdk deploy', () => {
  const options = (context: Record<string, string>) => deployOptions((key) => context[key]);

  it('default to an IAM-protected stack without throttle or access logs', () => {
    expect(options({})).toEqual({
      stackName: 'ElasticEventStore',
      props: { auth: 'iam', corsOrigins: [], accessLogs: false, encryptTopics: false },
    });
  });

  it('read every option', () => {
    expect(
      options({
        auth: 'api-key',
        stackName: 'ees-staging',
        corsOrigins: 'https://a.example, https://b.example',
        throttleRate: '100.5',
        throttleBurst: '200',
        accessLogs: 'true',
        encryptTopics: 'true',
      }),
    ).toEqual({
      stackName: 'ees-staging',
      props: {
        auth: 'api-key',
        corsOrigins: ['https://a.example', 'https://b.example'],
        throttle: { rateLimit: 100.5, burstLimit: 200 },
        accessLogs: true,
        encryptTopics: true,
      },
    });
  });

  it.each([
    [{ auth: 'none' }, '-c auth=none: expected one of iam, api-key'],
    [{ throttleRate: '10' }, '-c throttleRate and -c throttleBurst go together'],
    [{ throttleBurst: '10' }, '-c throttleRate and -c throttleBurst go together'],
    [
      { throttleRate: 'fast', throttleBurst: '10' },
      '-c throttleRate=fast -c throttleBurst=10: throttle rate must be a number of requests per second above 0, not NaN',
    ],
    [{ accessLogs: 'yes' }, '-c accessLogs=yes: expected true or false'],
    [{ encryptTopics: '1' }, '-c encryptTopics=1: expected true or false'],
  ])('refuse %o', (context, message) => {
    expect(() => options(context)).toThrow(message);
  });
});

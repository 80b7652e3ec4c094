import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EventStoreStack } from '../lib/event-store-stack.js';
import { logicalId, synth } from './synth.js';
import { App } from 'aws-cdk-lib';

/*
 * The stack with `-c auth=api-key`: the same resources, the API behind an API key instead of
 * IAM. Only the template matters here, so the functions are not bundled.
 */
const { template } = synth('api-key', { bundle: false, validate: false });

describe('API key authorization', () => {
  it('requires an API key on every method, without IAM authorization', () => {
    template.resourceCountIs('AWS::ApiGateway::Method', 2);
    template.allResourcesProperties('AWS::ApiGateway::Method', {
      ApiKeyRequired: true,
      AuthorizationType: 'NONE',
    });
  });

  it('issues one key, in a usage plan on the deployed stage', () => {
    const api = logicalId(template, 'AWS::ApiGateway::RestApi', 'Api');
    const stage = logicalId(template, 'AWS::ApiGateway::Stage', 'ApiDeploymentStage');
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 1);
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      ApiStages: [{ ApiId: { Ref: api }, Stage: { Ref: stage } }],
    });
    const key = logicalId(template, 'AWS::ApiGateway::ApiKey', 'Api');
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', {
      KeyId: { Ref: key },
      KeyType: 'API_KEY',
      UsagePlanId: { Ref: logicalId(template, 'AWS::ApiGateway::UsagePlan', 'Api') },
    });
    expect(template.toJSON().Outputs).toMatchObject({ ApiKeyId: { Value: { Ref: key } } });
  });

  it('keeps everything else as with IAM authorization', () => {
    template.resourceCountIs('AWS::Lambda::Function', 4);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.resourceCountIs('AWS::SNS::Topic', 3);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasOutput('ApiEndpoint', { Value: Match.anyValue() });
  });

  it('refuses an unknown authorization mode', () => {
    expect(
      () =>
        new EventStoreStack(new App(), 'Open', {
          auth: 'none' as unknown as 'iam',
          version: '0.0.0',
        }),
    ).toThrow(/auth must be one of iam, api-key/);
  });
});

import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LAMBDA_ENV } from '../../../src/lambda/settings.js';
import { EventStoreStack } from '../lib/event-store-stack.js';
import { logicalId, synth } from './synth.js';

/*
 * The stack with `-c corsOrigins=...`: browsers on those origins may call the API. Only the
 * template matters here, so the functions are not bundled.
 */
const ORIGINS = ['https://app.example.com', 'http://localhost:5173'];
const { template } = synth('api-key', { bundle: false, validate: false, corsOrigins: ORIGINS });

describe('CORS', () => {
  it('answers preflight requests in API Gateway, without authorization or API key', () => {
    // ANY and OPTIONS on the root and on {proxy+}.
    template.resourceCountIs('AWS::ApiGateway::Method', 4);
    const preflights = template.findResources('AWS::ApiGateway::Method', {
      Properties: { HttpMethod: 'OPTIONS' },
    });
    expect(Object.keys(preflights)).toHaveLength(2);
    for (const method of Object.values(preflights)) {
      expect(method).toMatchObject({
        Properties: {
          AuthorizationType: 'NONE',
          ApiKeyRequired: false,
          Integration: { Type: 'MOCK' },
        },
      });
      const headers = (
        method as {
          Properties: {
            Integration: {
              IntegrationResponses: { ResponseParameters: Record<string, string> }[];
            };
          };
        }
      ).Properties.Integration.IntegrationResponses[0]?.ResponseParameters;
      expect(headers).toMatchObject({
        'method.response.header.Access-Control-Allow-Methods': "'GET,HEAD,POST,OPTIONS'",
        'method.response.header.Access-Control-Max-Age': "'600'",
      });
      expect(headers?.['method.response.header.Access-Control-Allow-Headers']).toContain(
        'Last-Event-ID',
      );
      expect(headers?.['method.response.header.Access-Control-Allow-Headers']).toContain(
        'X-Api-Key',
      );
    }
    // Every other method still requires the API key.
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'ANY',
      ApiKeyRequired: true,
    });
  });

  it('tells the API function the origins, as ees serve reads them', () => {
    const api = logicalId(template, 'AWS::Lambda::Function', 'ApiFunction');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Elastic Event Store: the HTTP API',
      Environment: { Variables: Match.objectLike({ [LAMBDA_ENV.corsOrigins]: ORIGINS.join(',') }) },
    });
    expect(api).toMatch(/^ApiFunction/);
  });

  it("lets pages read API Gateway's own errors (a wrong key, a throttle)", () => {
    const headersOf = (origins: readonly string[]) => {
      const { template: t } = synth('iam', {
        bundle: false,
        validate: false,
        corsOrigins: origins,
      });
      const responses = Object.values(t.findResources('AWS::ApiGateway::GatewayResponse'));
      expect(responses).toHaveLength(3);
      const parameters = responses.map(
        (r) =>
          (r as { Properties: { ResponseParameters?: unknown } }).Properties.ResponseParameters,
      );
      // THROTTLED, DEFAULT_4XX and DEFAULT_5XX alike.
      expect(new Set(parameters.map((p) => JSON.stringify(p))).size).toBe(1);
      return parameters[0];
    };
    // Several origins: the page's own is echoed, as a static value can name only one.
    expect(headersOf(ORIGINS)).toEqual({
      'gatewayresponse.header.Access-Control-Allow-Origin': 'method.request.header.origin',
      'gatewayresponse.header.Vary': "'Origin'",
    });
    expect(headersOf(['https://app.example.com'])).toEqual({
      'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
    });
    expect(headersOf(['*'])).toEqual({
      'gatewayresponse.header.Access-Control-Allow-Origin': "'*'",
    });
    expect(headersOf([])).toBeUndefined();
  });

  it('refuses an origin that is none', () => {
    expect(
      () =>
        new EventStoreStack(new App(), 'Bad', {
          auth: 'iam',
          version: '1',
          corsOrigins: ['app.example.com'],
        }),
    ).toThrow(/corsOrigins: "app.example.com" is not an origin/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  apiSettings,
  LAMBDA_ENV,
  LAMBDA_MAX_PAGE_BYTES,
  publisherSettings,
  tableSettings,
} from '../../src/lambda/index.js';
import { ConfigError } from '../../src/runtime/index.js';

describe('Lambda settings', () => {
  it('reads the table, version and limits of the API function', () => {
    expect(
      apiSettings({
        EES_TABLE_NAME: 'events',
        EES_VERSION: '1.2.3',
        EES_MAX_CHANGESET_BYTES: '1000',
        EES_MAX_PAGE_SIZE: '50',
        EES_CORS_ORIGINS: 'https://app.example.com',
      }),
    ).toEqual({
      tableName: 'events',
      version: '1.2.3',
      limits: { maxChangesetBytes: 1000, maxPageSize: 50, maxPageBytes: LAMBDA_MAX_PAGE_BYTES },
      cors: { origins: ['https://app.example.com'] },
    });
    expect(
      apiSettings({ EES_TABLE_NAME: 'events', EES_VERSION: '1.2.3', EES_MAX_PAGE_SIZE: '' }),
    ).toEqual({
      tableName: 'events',
      version: '1.2.3',
      limits: { maxPageBytes: LAMBDA_MAX_PAGE_BYTES },
      cors: { origins: [] },
    });
  });

  it('reads every limit of ees serve that applies to the API function', () => {
    expect(
      apiSettings({
        EES_TABLE_NAME: 'events',
        EES_VERSION: '1',
        EES_MAX_CHANGESET_BYTES: '1000',
        EES_MAX_EVENTS_PER_CHANGESET: '10',
        EES_MAX_STREAM_ID_BYTES: '64',
        EES_MAX_PAGE_SIZE: '50',
        EES_MAX_PAGE_BYTES: '2000000',
        EES_MAX_URL_BYTES: '2048',
      }).limits,
    ).toEqual({
      maxChangesetBytes: 1000,
      maxEventsPerChangeset: 10,
      maxStreamIdBytes: 64,
      maxPageSize: 50,
      maxPageBytes: 2_000_000,
      maxUrlBytes: 2048,
    });
  });

  it('reads EES_CORS_ORIGINS under the name the CDK app sets', () => {
    const origins = 'https://app.example.com,http://localhost:5173';
    expect(
      apiSettings({ EES_TABLE_NAME: 't', EES_VERSION: '1', [LAMBDA_ENV.corsOrigins]: origins })
        .cors,
    ).toEqual({ origins: origins.split(',') });
  });

  it('reads the topics of the publisher', () => {
    expect(
      publisherSettings({
        [LAMBDA_ENV.changesetsTopicArn]: 'arn:aws:sns:eu-west-1:1:c.fifo',
        [LAMBDA_ENV.eventsTopicArn]: 'arn:aws:sns:eu-west-1:1:e.fifo',
      }),
    ).toEqual({
      changesetsTopicArn: 'arn:aws:sns:eu-west-1:1:c.fifo',
      eventsTopicArn: 'arn:aws:sns:eu-west-1:1:e.fifo',
    });
  });

  it.each<[string, () => unknown, RegExp]>([
    ['a missing table', () => tableSettings({}), /EES_TABLE_NAME is not set/],
    ['an empty table', () => tableSettings({ EES_TABLE_NAME: ' ' }), /EES_TABLE_NAME is not set/],
    ['a padded table', () => tableSettings({ EES_TABLE_NAME: ' t' }), /EES_TABLE_NAME.*spaces/],
    ['a missing version', () => apiSettings({ EES_TABLE_NAME: 't' }), /EES_VERSION is not set/],
    [
      'a bad page size',
      () => apiSettings({ EES_TABLE_NAME: 't', EES_VERSION: '1', EES_MAX_PAGE_SIZE: '0' }),
      /invalid EES_MAX_PAGE_SIZE value "0"/,
    ],
    [
      'a bad CORS origin',
      () => apiSettings({ EES_TABLE_NAME: 't', EES_VERSION: '1', EES_CORS_ORIGINS: 'example.com' }),
      /invalid EES_CORS_ORIGINS value "example.com": "example.com" is not an origin/,
    ],
    [
      'a missing topic',
      () => publisherSettings({ EES_EVENTS_TOPIC_ARN: 'x' }),
      /EES_CHANGESETS_TOPIC_ARN/,
    ],
  ])('refuses %s with a ConfigError naming the variable', (_, read, message) => {
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(message);
  });
});

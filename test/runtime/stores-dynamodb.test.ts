import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { NEW_STREAM } from '../../src/core/index.js';
import { ConfigError, StoreOpenError } from '../../src/runtime/errors.js';
import { openStore } from '../../src/runtime/stores.js';
import { dynamoDbOptionsFromUrl } from '../../src/stores/dynamodb/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../setup/dynamodb-context.js';
import {
  dynamoDbLocalEndpoint,
  localClient,
  suiteTitle,
  uniqueTableName,
} from '../setup/dynamodb-tables.js';

/** Whatever `openStore` rejects with. */
async function failure(url: string): Promise<Error> {
  const error: unknown = await openStore(url).then(
    async (store) => {
      await store.close();
      throw new Error(`${url} opened`);
    },
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('not an Error');
  return error;
}

describe('dynamoDbOptionsFromUrl', () => {
  it.each([
    [
      'dynamodb://events?region=eu-west-1&endpoint=http://127.0.0.1:8000&create=true',
      { tableName: 'events', region: 'eu-west-1', endpoint: 'http://127.0.0.1:8000', create: true },
    ],
    [
      'dynamodb://My_Table.v2-x',
      { tableName: 'My_Table.v2-x', region: undefined, endpoint: undefined, create: false },
    ],
    [
      'DynamoDB://events/?create=false&region=local',
      { tableName: 'events', region: 'local', endpoint: undefined, create: false },
    ],
    [
      'dynamodb://events?create=1&endpoint=https%3A%2F%2Fdynamodb.eu-west-1.amazonaws.com',
      {
        tableName: 'events',
        region: undefined,
        endpoint: 'https://dynamodb.eu-west-1.amazonaws.com',
        create: true,
      },
    ],
  ])('reads %s', (url, options) => {
    expect(dynamoDbOptionsFromUrl(url)).toEqual(options);
  });

  it.each([
    ['dynamodb:events', /expected dynamodb:\/\/<table>/],
    ['dynamodb://', /"" is not a DynamoDB table name/],
    ['dynamodb://ab', /"ab" is not a DynamoDB table name/],
    ['dynamodb://a%20table', /"a table" is not a DynamoDB table name/],
    ['dynamodb://events/more', /unexpected path "\/more"/],
    ['dynamodb://user:secret@events', /no user, password or port/],
    ['dynamodb://events:8000', /no user, password or port/],
    ['dynamodb://events?regoin=eu-west-1', /unknown parameter "regoin"/],
    ['dynamodb://events?region=', /"region" is empty/],
    ['dynamodb://events?endpoint=localhost:8000', /"endpoint" must be an http/],
    ['dynamodb://events?create=yes', /"create" must be true or false, not "yes"/],
    ['dynamodb://events?create=toString', /"create" must be true or false/],
  ])('rejects %s', (url, reason) => {
    expect(() => dynamoDbOptionsFromUrl(url)).toThrow(reason);
  });
});

describe('openStore with a DynamoDB URL', () => {
  it('reports a malformed URL as a configuration error naming it', async () => {
    const error = await failure('dynamodb://events?create=maybe');
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'invalid database URL "dynamodb://events?create=maybe": "create" must be true or false, not "maybe"',
    );
  });

  it('reports an unreachable endpoint as a store that cannot be opened', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
    try {
      const error = await failure('dynamodb://events?region=local&endpoint=http://127.0.0.1:1');
      expect(error).toBeInstanceOf(StoreOpenError);
      expect(error.message).toMatch(
        /^cannot open database URL "dynamodb:\/\/events\?region=local&endpoint=http:\/\/127\.0\.0\.1:1": /,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

const endpoint = dynamoDbLocalEndpoint();

describe.skipIf(endpoint === undefined)(suiteTitle('openStore on DynamoDB Local', endpoint), () => {
  const client = localClient(endpoint ?? '');
  afterAll(() => {
    client.destroy();
  });

  it('creates the table, commits, and indexes in the background as `ees serve` does', async () => {
    const tableName = uniqueTableName('ees-runtime');
    const url = `dynamodb://${tableName}?region=${LOCAL_REGION}&endpoint=${endpoint ?? ''}&create=true`;
    vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_CREDENTIALS.secretAccessKey);
    const store = await openStore(url).finally(() => {
      vi.unstubAllEnvs();
    });
    try {
      expect(store.capabilities).toEqual({
        checkpointsAtCommit: false,
        sharedAcrossProcesses: true,
        checkpointsInCallOrder: false,
      });
      const result = await store.commit({
        streamId: 's',
        expectation: NEW_STREAM,
        events: [{ a: 1 }],
        metadata: {},
      });
      expect(result.status).toBe('committed');
      await vi.waitFor(
        async () => {
          expect((await store.readGlobal(0, 10)).map((c) => [c.streamId, c.checkpoint])).toEqual([
            ['s', 0],
          ]);
        },
        { timeout: 10_000, interval: 50 },
      );
    } finally {
      await store.close();
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    }
  });

  it('without create=true a missing table cannot be opened', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_CREDENTIALS.secretAccessKey);
    try {
      const tableName = uniqueTableName('ees-runtime');
      const error = await failure(
        `dynamodb://${tableName}?region=${LOCAL_REGION}&endpoint=${endpoint ?? ''}`,
      );
      expect(error).toBeInstanceOf(StoreOpenError);
      expect(error.message).toContain(`DynamoDB table "${tableName}" does not exist`);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

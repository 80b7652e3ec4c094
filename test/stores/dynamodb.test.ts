import { afterAll, describe } from 'vitest';
import { testEventStore } from '../conformance/index.js';
import {
  dynamoDbLocalEndpoint,
  localClient,
  openTestStore,
  suiteTitle,
} from '../setup/dynamodb-tables.js';

const endpoint = dynamoDbLocalEndpoint();

describe.skipIf(endpoint === undefined)(suiteTitle('dynamodb', endpoint), () => {
  const client = localClient(endpoint ?? '');
  afterAll(() => {
    client.destroy();
  });

  // A fresh table per test (created in ~100 ms on DynamoDB Local): every test starts from an
  // empty store, as the suite requires; `settle` runs the stream poller and the indexer.
  testEventStore('dynamodb store (DynamoDB Local)', async () => {
    const store = await openTestStore(client);
    return {
      store,
      settle: async () => {
        await store.indexNow();
      },
    };
  });
});

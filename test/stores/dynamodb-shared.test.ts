import { afterAll, describe } from 'vitest';
import type { EventStore } from '../../src/core/index.js';
import { openDynamoDbStore } from '../../src/stores/dynamodb/index.js';
import { testEventStore } from '../conformance/index.js';
import {
  dynamoDbLocalEndpoint,
  localClient,
  openTestStore,
  suiteTitle,
} from '../setup/dynamodb-tables.js';

const endpoint = dynamoDbLocalEndpoint();

describe.skipIf(endpoint === undefined)(suiteTitle('dynamodb, shared table', endpoint), () => {
  const client = localClient(endpoint ?? '');
  afterAll(() => {
    client.destroy();
  });

  /**
   * The whole port contract again, with the calls going to two stores on one table in turn, as
   * two processes (two servers, two Lambdas) would share it: each store's remembered stream
   * heads keep going stale behind the other's commits, and nothing may depend on them.
   */
  testEventStore('dynamodb store (two stores on one table, alternating)', async () => {
    const first = await openTestStore(client);
    const second = await openDynamoDbStore({ client, tableName: first.tableName });
    const stores = [first, second];
    let calls = 0;
    const next = (): EventStore => stores[calls++ % stores.length] ?? first;
    const store: EventStore = {
      capabilities: first.capabilities,
      commit: (request) => next().commit(request),
      readChangesets: (...read) => next().readChangesets(...read),
      readEvents: (...read) => next().readEvents(...read),
      readGlobal: (...page) => next().readGlobal(...page),
      readProjection: (name) => next().readProjection(name),
      writeProjection: (name, state, previous) => next().writeProjection(name, state, previous),
      close: async () => {
        await second.close();
        await first.close();
      },
    };
    return {
      store,
      // Either store's poller may index; alternate those too.
      settle: async () => {
        await (calls++ % 2 === 0 ? first : second).indexNow();
      },
    };
  });
});

import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Changeset, Expectation, JsonObject } from '../../src/core/index.js';
import { NEW_STREAM, commitChangeset, isEesError } from '../../src/core/index.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import type { DynamoDbStore, DynamoDbStoreOptions } from '../../src/stores/dynamodb/index.js';
import {
  createDynamoDbClient,
  createStreamPoller,
  openDynamoDbStore,
} from '../../src/stores/dynamodb/index.js';
import { changesetKey } from '../../src/stores/dynamodb/schema.js';
import { rejection } from '../conformance/fixtures.js';
import {
  dynamoDbLocalEndpoint,
  localClient,
  localStreamsClient,
  logCommands,
  openTestStore,
  streamArnOf,
  suiteTitle,
  uniqueTableName,
} from '../setup/dynamodb-tables.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../setup/dynamodb-context.js';
import { closedPort } from '../setup/ports.js';

const endpoint = dynamoDbLocalEndpoint();

const afterChangeset = (lastChangesetId: number): Expectation => ({
  kind: 'changeset',
  lastChangesetId,
});
const afterEvent = (lastEventId: number): Expectation => ({ kind: 'event', lastEventId });

/** What the HTTP layer measures: UTF-8 bytes of the events and metadata JSON. */
const jsonBytes = (events: readonly JsonObject[], metadata: JsonObject): number =>
  Buffer.byteLength(JSON.stringify(events)) + Buffer.byteLength(JSON.stringify(metadata));

/** Pads `metadata.padding` so that events and metadata come to exactly `bytes`. */
function padTo(events: readonly JsonObject[], bytes: number): JsonObject {
  const base = jsonBytes(events, { padding: '' });
  if (base > bytes) throw new Error(`events alone are ${base} bytes`);
  return { padding: 'p'.repeat(bytes - base) };
}

/** Printable ASCII without `"` and `\`, at random: about 6.5 bits of entropy per byte. */
const randomText = (length: number): string =>
  Array.from(randomBytes(length), (byte) => String.fromCharCode(0x23 + (byte % 0x39))).join('');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}

describe('createDynamoDbClient', () => {
  it('retries in the standard mode, 5 attempts, and leaves the region to the SDK when not given', async () => {
    const client = createDynamoDbClient({ region: 'eu-west-1' });
    try {
      expect(await client.config.maxAttempts()).toBe(5);
      const mode = client.config.retryMode;
      expect(typeof mode === 'function' ? await mode() : mode).toBe('standard');
      expect(await client.config.region()).toBe('eu-west-1');
      expect(client.config.endpoint).toBeUndefined();
    } finally {
      client.destroy();
    }
  });
});

describe.skipIf(endpoint === undefined)(suiteTitle('dynamodb store specifics', endpoint), () => {
  const client = localClient(endpoint ?? '');
  afterAll(() => {
    client.destroy();
  });
  const opened: DynamoDbStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  /** A store on a fresh table, closed (and the table deleted) after the test. */
  async function freshStore(options: Partial<DynamoDbStoreOptions> = {}): Promise<DynamoDbStore> {
    const store = await openTestStore(options.client ?? client, options);
    opened.push(store);
    return store;
  }

  /** Another store on an existing table, as another process would open it. */
  async function sameTable(
    store: DynamoDbStore,
    options: Partial<DynamoDbStoreOptions> = {},
  ): Promise<DynamoDbStore> {
    const other = await openDynamoDbStore({ client, ...options, tableName: store.tableName });
    opened.unshift(other);
    return other;
  }

  const rawItem = async (store: DynamoDbStore, streamId: string, changesetId: number) =>
    (
      await client.send(
        new GetItemCommand({
          TableName: store.tableName,
          Key: changesetKey(streamId, changesetId),
          ConsistentRead: true,
        }),
      )
    ).Item;

  describe('changeset size', () => {
    it('a changeset of 400 KiB of events and metadata JSON (the HTTP limit) commits and round-trips', async () => {
      const store = await freshStore();
      const events = Array.from({ length: 2500 }, (_, i) => ({
        type: 'ItemAdded',
        sku: `SKU-${(i * 7919) % 10007}`,
        quantity: i % 5,
        price: ((i * 31) % 1000) / 10,
        note: 'é日本🎉',
      }));
      const metadata = padTo(events, DEFAULT_LIMITS.maxChangesetBytes);
      expect(jsonBytes(events, metadata)).toBe(400 * 1024);

      const committed = await commitChangeset(store, {
        streamId: 'big',
        expectation: NEW_STREAM,
        events,
        metadata,
      });
      const [read] = (await store.readChangesets('big', {})) ?? [];
      expect(read).toEqual(committed);
      expect(JSON.stringify(read?.events)).toBe(JSON.stringify(events));
      expect(JSON.stringify(read?.metadata)).toBe(JSON.stringify(metadata));
      expect(await store.readEvents('big', { from: 1234, to: 1235 })).toEqual([
        { changesetId: 1, eventId: 1234, data: events[1233] },
        { changesetId: 1, eventId: 1235, data: events[1234] },
      ]);
      await store.indexNow();
      const [enumerated] = await store.readGlobal(0, 10);
      expect(enumerated).toEqual({ ...committed, checkpoint: 0 });

      const item = await rawItem(store, 'big', 1);
      expect(item?.payload_format).toEqual({ S: 'brotli+json' });
      expect(item?.payload?.B).toBeInstanceOf(Uint8Array);
      expect(item?.events).toBeUndefined();
      expect(Number(item?.item_bytes?.N)).toBeLessThan(409_600);
    });

    it('400 KiB of random printable text, which compresses poorly, still fits', async () => {
      const store = await freshStore();
      const events = [{ blob: randomText(300_000) }];
      const metadata = padTo(events, DEFAULT_LIMITS.maxChangesetBytes);
      const committed = await commitChangeset(store, {
        streamId: 'x'.repeat(1000),
        expectation: NEW_STREAM,
        events,
        metadata,
      });
      const [read] = (await store.readChangesets('x'.repeat(1000), {})) ?? [];
      expect(read).toEqual(committed);
    });

    it('a changeset that fits as it is is stored as plain JSON text', async () => {
      const store = await freshStore();
      await commitChangeset(store, {
        streamId: 's',
        expectation: NEW_STREAM,
        events: [{ a: 1 }],
        metadata: { m: true },
      });
      const item = await rawItem(store, 's', 1);
      expect([item?.events, item?.metadata, item?.payload]).toEqual([
        { S: '[{"a":1}]' },
        { S: '{"m":true}' },
        undefined,
      ]);
    });

    it('a stream id of 2048 bytes is stored; a longer one cannot exist', async () => {
      const store = await freshStore();
      const longest = 'é'.repeat(1024);
      await commitChangeset(store, {
        streamId: longest,
        expectation: NEW_STREAM,
        events: [{ blob: randomText(380_000) }],
        metadata: {},
      });
      expect(await store.readChangesets(longest, {})).toHaveLength(1);
      const tooLong = `${longest}x`;
      expect(await store.readChangesets(tooLong, {})).toBeUndefined();
      expect(await store.readEvents(tooLong, {})).toBeUndefined();
      await expect(
        store.commit({ streamId: tooLong, expectation: NEW_STREAM, events: [{}], metadata: {} }),
      ).rejects.toThrow('Stream ids are limited to 2048 bytes of UTF-8 on DynamoDB');
    });

    it('an over-limit incompressible changeset is CHANGESET_TOO_LARGE and writes nothing', async () => {
      const store = await freshStore();
      const log = logCommands(client);
      try {
        const error = await rejection(
          commitChangeset(store, {
            streamId: 'huge',
            expectation: NEW_STREAM,
            events: [{ blob: randomBytes(450_000).toString('base64') }],
            metadata: {},
          }),
        );
        expect([error.code, error.message, error.streamId]).toEqual([
          'CHANGESET_TOO_LARGE',
          'The changeset exceeds the limit of 409600 bytes.',
          'huge',
        ]);
        expect(log.names()).toEqual([]);
      } finally {
        log.stop();
      }
      expect(await store.readChangesets('huge', {})).toBeUndefined();
      await store.indexNow();
      expect(await store.readGlobal(0, 10)).toEqual([]);
    });
  });

  describe('requests per operation', () => {
    async function commitLogged(
      store: DynamoDbStore,
      streamId: string,
      expectation: Expectation,
    ): Promise<{ names: string[]; changeset: Changeset | undefined; status: string }> {
      const log = logCommands(client);
      try {
        const result = await store.commit({
          streamId,
          expectation,
          events: [{ n: 1 }],
          metadata: {},
        });
        return {
          names: log.names(),
          status: result.status,
          changeset: result.status === 'committed' ? result.changeset : undefined,
        };
      } finally {
        log.stop();
      }
    }

    it('a read bounded in bytes asks for no response past the bound', async () => {
      const store = await freshStore();
      // 300 KB each: a response of the base table holds about three (1 MB).
      for (let n = 1; n <= 6; n++) {
        await commitChangeset(store, {
          streamId: 'big',
          expectation: afterChangeset(n - 1),
          events: [{ n, p: 'x'.repeat(300_000) }],
          metadata: {},
        });
      }
      const requests = async <T>(read: () => Promise<T>) => {
        const log = logCommands(client);
        try {
          return { result: await read(), names: log.names() };
        } finally {
          log.stop();
        }
      };
      const whole = await requests(() => store.readChangesets('big', {}));
      expect(whole.result).toHaveLength(6);
      expect(whole.names.length).toBeGreaterThan(1);
      const changesets = await requests(() => store.readChangesets('big', {}, 1));
      expect([changesets.result?.map((c) => c.changesetId), changesets.names]).toEqual([
        [1],
        ['QueryCommand'],
      ]);
      // The first changeset of an events read does not count: two, from the first response.
      const events = await requests(() => store.readEvents('big', {}, 1));
      expect([events.result?.map((e) => e.eventId), events.names]).toEqual([
        [1, 2],
        ['QueryCommand'],
      ]);
    });

    /** 150 changesets of 20 KB in 7 streams, indexed. */
    async function storeOfLargeChangesets(): Promise<DynamoDbStore> {
      const store = await freshStore();
      for (let n = 1; n <= 150; n++) {
        await commitChangeset(store, {
          streamId: `s${n % 7}`,
          expectation: n <= 7 ? NEW_STREAM : afterChangeset(Math.floor((n - 1) / 7)),
          events: [{ n, p: 'x'.repeat(20_000) }],
          metadata: {},
        });
      }
      await store.indexNow();
      return store;
    }

    it('an enumeration query cut at 1 MB goes on from where it stopped', async () => {
      const store = await storeOfLargeChangesets();
      const log = logCommands(client);
      try {
        const all = await store.readGlobal(0, 150);
        expect(all.map((c) => c.checkpoint)).toEqual(Array.from({ length: 150 }, (_, n) => n));
      } finally {
        log.stop();
      }
      // DynamoDB Local counts whole items against the 1 MB of a response of the index.
      const continued = log.sent.filter(
        ({ name, input }) => name === 'QueryCommand' && input.ExclusiveStartKey !== undefined,
      );
      expect(continued.length).toBeGreaterThan(0);
    });

    it('a page of the enumeration bounded in bytes fetches about that much, not the whole page', async () => {
      const store = await storeOfLargeChangesets();
      const all = await store.readGlobal(0, 150);
      /** The page, and how many changesets the store fetched for it. */
      const fetched = async (checkpoint: number, maxBytes: number) => {
        const log = logCommands(client);
        try {
          const page = await store.readGlobal(checkpoint, 150, maxBytes);
          const keys = log.sent
            .filter((command) => command.name === 'BatchGetItemCommand')
            .flatMap((command) =>
              Object.values(command.input.RequestItems as Record<string, { Keys: unknown[] }>),
            )
            .reduce((total, request) => total + request.Keys.length, 0);
          return { page: page.map((c) => c.checkpoint), keys };
        } finally {
          log.stop();
        }
      };
      const checkpoints = (from: number, to: number) =>
        all.slice(from, to).map((c) => c.checkpoint);
      // 100 first (one request), then none: the first three reach 50,000 bytes.
      expect(await fetched(0, 50_000)).toEqual({ page: [0, 1, 2], keys: 100 });
      // 100 first, then the 20 their sizes say it takes to reach 2.4 MB.
      expect(await fetched(10, 2_400_000)).toEqual({ page: checkpoints(10, 130), keys: 120 });
      expect(await fetched(0, 1e9)).toEqual({ page: checkpoints(0, 150), keys: 150 });
      expect(await store.readGlobal(10, 150, 2_400_000)).toEqual(all.slice(10, 130));
    });

    it('a commit is one PutItem for a new stream and for a stream this store wrote', async () => {
      const store = await freshStore();
      for (const [expectation, streamId] of [
        [NEW_STREAM, 's'],
        [afterChangeset(1), 's'],
        [afterEvent(2), 's'],
        [afterEvent(0), 't'],
      ] as const) {
        const { names, status } = await commitLogged(store, streamId, expectation);
        expect([status, names]).toEqual(['committed', ['PutItemCommand']]);
      }
    });

    it('a commit to a stream this store has not seen first reads its head from the index', async () => {
      const store = await freshStore();
      await commitChangeset(store, {
        streamId: 's',
        expectation: NEW_STREAM,
        events: [{}, {}],
        metadata: {},
      });
      const other = await sameTable(store);
      const log = logCommands(client);
      try {
        const result = await other.commit({
          streamId: 's',
          expectation: afterEvent(2),
          events: [{}],
          metadata: {},
        });
        expect(result).toMatchObject({
          status: 'committed',
          changeset: { changesetId: 2, firstEventId: 3 },
        });
        expect(log.sent.map((c) => [c.name, c.input.IndexName])).toEqual([
          ['QueryCommand', 'by_last_event'],
          ['PutItemCommand', undefined],
        ]);
        expect(log.sent[0]?.input.ConsistentRead).toBe(true);
      } finally {
        log.stop();
      }
      const next = await commitLogged(other, 's', afterChangeset(2));
      expect(next.names).toEqual(['PutItemCommand']);
    });

    it('a remembered head gone stale costs the failed put, then the conflict is read', async () => {
      const store = await freshStore();
      const other = await sameTable(store);
      await commitLogged(store, 's', NEW_STREAM);
      const winner = await commitLogged(other, 's', afterChangeset(1));
      // `store` still remembers head 1: its put of changeset 2 fails on the winner's item.
      const log = logCommands(client);
      try {
        const result = await store.commit({
          streamId: 's',
          expectation: afterChangeset(1),
          events: [{ late: true }],
          metadata: {},
        });
        expect(result).toEqual({ status: 'conflict', forthcoming: [winner.changeset] });
        expect(log.names()).toEqual(['PutItemCommand', 'QueryCommand']);
      } finally {
        log.stop();
      }
      // Now it knows head 2: a commit behind it conflicts without trying a put.
      const behind = await commitLogged(store, 's', afterChangeset(1));
      expect([behind.status, behind.names]).toEqual(['conflict', ['QueryCommand']]);
      const ahead = await commitLogged(store, 's', afterChangeset(3));
      expect([ahead.status, ahead.names]).toEqual(['ahead', ['QueryCommand']]);
    });

    it('an event-expectation conflict finds the first forthcoming changeset in the index', async () => {
      const store = await freshStore();
      const other = await sameTable(store);
      await commitChangeset(store, {
        streamId: 's',
        expectation: NEW_STREAM,
        events: [{}, {}],
        metadata: {},
      });
      const log = logCommands(client);
      try {
        const result = await other.commit({
          streamId: 's',
          expectation: afterEvent(1),
          events: [{}],
          metadata: {},
        });
        expect(result.status).toBe('conflict');
        expect(log.sent.map((c) => [c.name, c.input.IndexName])).toEqual([
          ['QueryCommand', 'by_last_event'], // the head: unknown to `other`
          ['QueryCommand', 'by_last_event'], // the first changeset with an event after 1
          ['QueryCommand', undefined], // the changesets from there on
        ]);
      } finally {
        log.stop();
      }
    });

    it('event-range reads query the local indexes and a bounded range, never a Scan', async () => {
      const store = await freshStore();
      // Changeset k holds events 2k-1 and 2k.
      for (let k = 1; k <= 20; k++) {
        await commitChangeset(store, {
          streamId: 's',
          expectation: afterChangeset(k - 1),
          events: [{ e: 2 * k - 1 }, { e: 2 * k }],
          metadata: {},
        });
      }
      const log = logCommands(client);
      try {
        const events = await store.readEvents('s', { from: 14, to: 21 });
        expect(events?.map((e) => [e.changesetId, e.eventId])).toEqual([
          [7, 14],
          [8, 15],
          [8, 16],
          [9, 17],
          [9, 18],
          [10, 19],
          [10, 20],
          [11, 21],
        ]);
        expect(
          log.sent.map((c) => [
            c.name,
            c.input.IndexName,
            c.input.KeyConditionExpression,
            c.input.ExpressionAttributeValues,
          ]),
        ).toEqual([
          [
            'QueryCommand',
            'by_last_event',
            '#stream = :stream AND #event >= :event',
            { ':stream': { S: 's' }, ':event': { N: '14' } },
          ],
          [
            'QueryCommand',
            'by_first_event',
            '#stream = :stream AND #event <= :event',
            { ':stream': { S: 's' }, ':event': { N: '21' } },
          ],
          [
            'QueryCommand',
            undefined,
            '#stream = :stream AND #changeset BETWEEN :from AND :to',
            { ':stream': { S: 's' }, ':from': { N: '7' }, ':to': { N: '11' } },
          ],
        ]);
        log.clear();
        expect(await store.readEvents('s', {})).toHaveLength(40);
        expect(await store.readChangesets('s', { from: 3, to: 4 })).toHaveLength(2);
        expect(log.names()).toEqual(['QueryCommand', 'QueryCommand']);
      } finally {
        log.stop();
      }
    });

    it('a page of the enumeration is one index query and one BatchGetItem', async () => {
      const store = await freshStore();
      for (const streamId of ['a', 'b', 'c']) {
        await commitChangeset(store, {
          streamId,
          expectation: NEW_STREAM,
          events: [{}],
          metadata: {},
        });
      }
      await store.indexNow();
      const log = logCommands(client);
      try {
        expect((await store.readGlobal(0, 10)).map((c) => c.checkpoint)).toEqual([0, 1, 2]);
        expect(log.sent.map((c) => [c.name, c.input.IndexName])).toEqual([
          ['QueryCommand', 'enumeration'],
          ['BatchGetItemCommand', undefined],
        ]);
      } finally {
        log.stop();
      }
    });
  });

  describe('lost responses', () => {
    it('a put the SDK retried after its response was lost is recognised as this commit', async () => {
      const flaky = localClient(endpoint ?? '');
      let puts = 0;
      // Inside the SDK's retry loop: the first PutItem reaches DynamoDB, then the connection
      // "resets" before the answer arrives, and the SDK sends the same put again.
      flaky.middlewareStack.add(
        (next, context) => async (args) => {
          const attempt = context.commandName === 'PutItemCommand' ? ++puts : 0;
          // The second attempt fails its condition on the first one's item, and throws here.
          const output = await next(args);
          if (attempt === 1) {
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });
          }
          return output;
        },
        { step: 'deserialize', name: 'lose-first-put-response', priority: 'high' },
      );
      try {
        const store = await freshStore({ client: flaky });
        const result = await store.commit({
          streamId: 's',
          expectation: NEW_STREAM,
          events: [{ once: true }],
          metadata: {},
        });
        expect(puts).toBe(2);
        expect(result).toMatchObject({ status: 'committed', changeset: { changesetId: 1 } });
        expect(await store.readChangesets('s', {})).toEqual([
          result.status === 'committed' ? result.changeset : undefined,
        ]);
      } finally {
        await Promise.all(opened.splice(0).map((store) => store.close()));
        flaky.destroy();
      }
    });
  });

  describe('failures', () => {
    it('throttling that outlives the SDK retries is STORE_UNAVAILABLE', async () => {
      const throttled = localClient(endpoint ?? '');
      let throttle = false;
      const throughput = Object.assign(new Error('Throughput exceeds the current capacity'), {
        name: 'ProvisionedThroughputExceededException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
      throttled.middlewareStack.add(
        (next) => (args) => (throttle ? Promise.reject(throughput) : next(args)),
        { step: 'initialize', name: 'throttle' },
      );
      try {
        const store = await freshStore({ client: throttled });
        throttle = true;
        for (const operation of [
          store.commit({ streamId: 's', expectation: NEW_STREAM, events: [{}], metadata: {} }),
          store.readChangesets('s', {}),
          store.readGlobal(0, 10),
          store.writeProjection('p', { checkpoint: 1, state: {} }, undefined),
        ]) {
          const error = await rejection(operation);
          expect([error.code, error.cause]).toEqual(['STORE_UNAVAILABLE', throughput]);
        }
        throttle = false;
      } finally {
        await Promise.all(opened.splice(0).map((store) => store.close()));
        throttled.destroy();
      }
    });

    it('an unreachable DynamoDB is STORE_UNAVAILABLE once the retries are spent', async () => {
      const port = await closedPort();
      const severed = localClient(endpoint ?? '');
      let sever = false;
      severed.middlewareStack.add(
        (next) => (args) => {
          const request = args.request as { port?: number };
          if (sever) request.port = port;
          return next(args);
        },
        { step: 'build', name: 'sever' },
      );
      try {
        const store = await freshStore({ client: severed });
        sever = true;
        const error = await rejection(store.readChangesets('s', {}));
        expect(error.code).toBe('STORE_UNAVAILABLE');
        expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
        sever = false;
      } finally {
        await Promise.all(opened.splice(0).map((store) => store.close()));
        severed.destroy();
      }
    });

    it('other errors pass through unchanged (a 500, not a 503)', async () => {
      const store = await freshStore();
      await client.send(new DeleteTableCommand({ TableName: store.tableName }));
      const error: unknown = await store.readChangesets('s', {}).catch((e: unknown) => e);
      expect(isEesError(error)).toBe(false);
      expect((error as Error).name).toBe('ResourceNotFoundException');
      // Recreate it, so that closing the store can delete it again.
      await openDynamoDbStore({ client, tableName: store.tableName, create: true });
    });
  });

  describe('the table', () => {
    it('create: true makes an on-demand table with a NEW_IMAGE stream and KEYS_ONLY indexes', async () => {
      const store = await freshStore();
      const { Table: table } = await client.send(
        new DescribeTableCommand({ TableName: store.tableName }),
      );
      expect(table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table?.StreamSpecification).toEqual({
        StreamEnabled: true,
        StreamViewType: 'NEW_IMAGE',
      });
      expect(table?.KeySchema).toEqual([
        { AttributeName: 'stream_id', KeyType: 'HASH' },
        { AttributeName: 'changeset_id', KeyType: 'RANGE' },
      ]);
      const lsis = (table?.LocalSecondaryIndexes ?? []).map((index) => ({
        name: index.IndexName,
        keys: index.KeySchema?.map((key) => key.AttributeName),
        projection: index.Projection?.ProjectionType,
      }));
      expect(lsis.sort((x, y) => String(x.name).localeCompare(String(y.name)))).toEqual([
        { name: 'by_first_event', keys: ['stream_id', 'first_event_id'], projection: 'KEYS_ONLY' },
        { name: 'by_last_event', keys: ['stream_id', 'last_event_id'], projection: 'KEYS_ONLY' },
      ]);
      expect(
        (table?.GlobalSecondaryIndexes ?? []).map((index) => ({
          name: index.IndexName,
          keys: index.KeySchema?.map((key) => key.AttributeName),
          projection: index.Projection?.ProjectionType,
        })),
      ).toEqual([{ name: 'enumeration', keys: ['page', 'checkpoint'], projection: 'KEYS_ONLY' }]);
    });

    it('a missing table is an error without create', async () => {
      const tableName = uniqueTableName();
      await expect(openDynamoDbStore({ client, tableName })).rejects.toThrow(
        `DynamoDB table "${tableName}" does not exist; create it (see DATA-MODEL.md) or pass create=true`,
      );
    });

    it('a table that is not an events table is refused', async () => {
      const tableName = uniqueTableName();
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        }),
      );
      try {
        await expect(
          openDynamoDbStore({ client, tableName, create: true, poller: { enabled: true } }),
        ).rejects.toThrow(
          `DynamoDB table "${tableName}" is not an event store table: its key is (id:HASH), not (stream_id HASH, changeset_id RANGE); it has no index "by_first_event"; it has no index "by_last_event"; it has no index "enumeration"; it has no stream with new images (the indexer reads it)`,
        );
      } finally {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      }
    });

    it('two stores creating the same table at once share it', async () => {
      const tableName = uniqueTableName();
      const [first, second] = await Promise.all([
        openDynamoDbStore({ client, tableName, create: true }),
        openDynamoDbStore({ client, tableName, create: true }),
      ]);
      try {
        await commitChangeset(first, {
          streamId: 's',
          expectation: NEW_STREAM,
          events: [{}],
          metadata: {},
        });
        expect(await second.readChangesets('s', {})).toHaveLength(1);
      } finally {
        await first.close();
        await second.close();
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      }
    });

    it('a store with a client of its own works, refuses operations once closed, and closes twice', async () => {
      // Its client takes credentials from the environment, as in production.
      vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_CREDENTIALS.accessKeyId);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_CREDENTIALS.secretAccessKey);
      const store = await openDynamoDbStore({
        endpoint,
        region: LOCAL_REGION,
        tableName: uniqueTableName(),
        create: true,
      }).finally(() => {
        vi.unstubAllEnvs();
      });
      await commitChangeset(store, {
        streamId: 's',
        expectation: NEW_STREAM,
        events: [{}],
        metadata: {},
      });
      expect(await store.indexNow()).toBe(1);
      await store.close();
      await store.close();
      await expect(store.readGlobal(0, 10)).rejects.toThrow(/is closed/);
      await client.send(new DeleteTableCommand({ TableName: store.tableName }));
    });
  });

  describe('stream poller', () => {
    it('hands every record over once across polls, and a failed batch again', async () => {
      const store = await freshStore();
      const streamsClient = localStreamsClient(endpoint ?? '');
      const handed: _Record[][] = [];
      let fail = false;
      const poller = createStreamPoller({
        streamsClient,
        streamArn: await streamArnOf(client, store.tableName),
        onRecords: (records) => {
          if (fail) return Promise.reject(new Error('indexer down'));
          handed.push([...records]);
          return Promise.resolve(records.length);
        },
      });
      const commit = (streamId: string, expectation: Expectation) =>
        commitChangeset(store, { streamId, expectation, events: [{}], metadata: {} });
      try {
        await commit('a', NEW_STREAM);
        await commit('b', NEW_STREAM);
        expect(await poller.poll()).toBe(2);
        expect(await poller.poll()).toBe(0);
        await commit('a', afterChangeset(1));
        fail = true;
        await expect(poller.poll()).rejects.toThrow('indexer down');
        fail = false;
        await commit('b', afterChangeset(1));
        // The failed batch (a2) comes again, together with what followed (b2).
        expect(await poller.poll()).toBe(2);
        const keys = handed
          .flat()
          .map((r) => [r.dynamodb?.Keys?.stream_id?.S, r.dynamodb?.Keys?.changeset_id?.N]);
        expect(keys).toEqual([
          ['a', '1'],
          ['b', '1'],
          ['a', '2'],
          ['b', '2'],
        ]);
        expect(handed.flat().every((r) => r.eventName === 'INSERT')).toBe(true);
      } finally {
        streamsClient.destroy();
      }
    });

    it('polls concurrently asked for run one after the other', async () => {
      const store = await freshStore();
      for (const streamId of ['a', 'b', 'c']) {
        await commitChangeset(store, {
          streamId,
          expectation: NEW_STREAM,
          events: [{}],
          metadata: {},
        });
      }
      const indexed = await Promise.all([store.indexNow(), store.indexNow(), store.indexNow()]);
      expect(indexed.reduce((sum, n) => sum + n, 0)).toBe(3);
      expect((await store.readGlobal(0, 10)).map((c) => c.checkpoint)).toEqual([0, 1, 2]);
    });

    it('with the poller enabled the enumeration follows commits in the background', async () => {
      const errors: unknown[] = [];
      const store = await freshStore({
        poller: { enabled: true, intervalMs: 20, onError: (error) => errors.push(error) },
      });
      const committed: Changeset[] = [];
      for (let n = 0; n < 5; n++) {
        committed.push(
          await commitChangeset(store, {
            streamId: 's',
            expectation: afterChangeset(n),
            events: [{ n }],
            metadata: {},
          }),
        );
      }
      await waitFor(async () => (await store.readGlobal(0, 10)).length === 5);
      expect(await store.readGlobal(0, 10)).toEqual(
        committed.map((c, checkpoint) => ({ ...c, checkpoint })),
      );
      expect(errors).toEqual([]);
    });

    it('watch hears this store’s commits at once, and what its indexer numbered', async () => {
      const store = await freshStore();
      const heard: (readonly string[] | undefined)[] = [];
      const unwatch = store.watch?.((streamIds) => heard.push(streamIds));
      const commit = (streamId: string) =>
        commitChangeset(store, { streamId, expectation: NEW_STREAM, events: [{}], metadata: {} });
      await commit('a');
      await commit('b');
      expect(heard).toEqual([['a'], ['b']]);
      await store.indexNow();
      expect(heard).toEqual([['a'], ['b'], ['a', 'b']]);
      unwatch?.();
      await commit('c');
      expect(heard).toHaveLength(3);
    });

    it('closing the store stops its poller', async () => {
      const streamsClient = localStreamsClient(endpoint ?? '');
      let polls = 0;
      streamsClient.middlewareStack.add(
        (next, context) => (args) => {
          if (context.commandName === 'GetRecordsCommand') polls++;
          return next(args);
        },
        { step: 'initialize', name: 'count-polls' },
      );
      try {
        const store = await freshStore({
          streamsClient,
          poller: { enabled: true, intervalMs: 10 },
        });
        await waitFor(() => Promise.resolve(polls >= 3));
        await Promise.all(opened.splice(0).map((s) => s.close()));
        const after = polls;
        await sleep(200);
        expect(polls).toBe(after);
        await expect(store.readGlobal(0, 1)).rejects.toThrow(/is closed/);
      } finally {
        streamsClient.destroy();
      }
    });
  });
});

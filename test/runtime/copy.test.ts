import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EventStore, IndexedChangeset, JsonObject } from '../../src/core/index.js';
import { NEW_STREAM } from '../../src/core/index.js';
import type { CopyProgress } from '../../src/runtime/copy.js';
import { CopyMismatchError, copyStore } from '../../src/runtime/copy.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import type { PostgresStore } from '../../src/stores/postgres/index.js';
import { openPostgresStore } from '../../src/stores/postgres/index.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import {
  POSTGRES_URL,
  describePostgres,
  dropSchemas,
  uniqueSchema,
} from '../stores/postgres-database.js';
import {
  dynamoDbLocalEndpoint,
  localClient,
  openTestStore,
  suiteTitle,
} from '../setup/dynamodb-tables.js';

const opened: EventStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

const sqlite = (): EventStore => {
  const store = openSqliteStore({ filename: ':memory:' });
  opened.push(store);
  return store;
};

/** A clock that moves one second per commit, so timestamps tell commits apart. */
const ticking = (): (() => Date) => {
  let tick = Date.parse('2021-06-01T00:00:00.000Z');
  return () => new Date((tick += 1000));
};

/**
 * A source with interleaved streams, commits by changeset and by event expectation, several
 * events per changeset, metadata, and JSON a database may like to normalise.
 */
async function filledSource(): Promise<EventStore> {
  const store = openSqliteStore({ filename: ':memory:', clock: ticking() });
  opened.push(store);
  const awkward: JsonObject = { 'z first': 1, a: [1.5, 1e21, null], u: 'héllo 🎉 \u2028' };
  for (let round = 0; round < 4; round++) {
    for (const stream of ['order-1', 'order-2', 'customer-9']) {
      const result = await store.commit({
        streamId: stream,
        expectation:
          round % 2 === 0
            ? { kind: 'changeset', lastChangesetId: round }
            : { kind: 'event', lastEventId: round * 2 },
        events: [
          { type: 'step', round },
          { type: 'awkward', ...awkward },
        ],
        metadata: round === 0 ? {} : { user: `u${round}`, nested: { deep: [round] } },
      });
      expect(result.status).toBe('committed');
    }
  }
  return store;
}

async function enumeration(store: EventStore): Promise<IndexedChangeset[]> {
  const all: IndexedChangeset[] = [];
  for (;;) {
    const page = await store.readGlobal(all.length, 5);
    if (page.length === 0) return all;
    all.push(...page);
  }
}

/**
 * The store as one that neither takes a page whole nor orders concurrent commits as they come,
 * which copies one by one.
 */
const oneByOne = (store: EventStore): EventStore => {
  const wrapped = {
    ...store,
    capabilities: { ...store.capabilities, checkpointsInCallOrder: false },
  };
  delete wrapped.appendInOrder;
  return wrapped;
};

/** The changesets in commit order (timestamps tick), checkpoints left out: for another order. */
const withoutCheckpoints = (changesets: IndexedChangeset[]) =>
  changesets
    .map((changeset) => ({ ...changeset, checkpoint: 0 }))
    .sort((x, y) => x.timestamp.localeCompare(y.timestamp));

describe('copyStore', () => {
  it('copies every changeset with its numbers, timestamp, events, metadata and checkpoint', async () => {
    const source = await filledSource();
    const target = sqlite();
    const result = await copyStore(source, target, { pageSize: 5 });
    expect(result).toEqual({ copied: 12, alreadyThere: 0, position: 12, resumedAt: 0 });
    const copied = await enumeration(target);
    expect(copied).toEqual(await enumeration(source));
    expect(new Set(copied.map((changeset) => changeset.timestamp)).size).toBe(12);
  });

  it('goes on where an interrupted copy stopped, and does nothing once done', async () => {
    const source = await filledSource();
    // A target that takes commits one by one, so the interruption falls between two of them.
    const target = oneByOne(sqlite());
    const stop = new AbortController();
    const interruption = new Error('interrupted');
    const first = copyStore(source, target, {
      pageSize: 4,
      signal: stop.signal,
      onProgress: ({ copied }) => {
        if (copied === 7) stop.abort(interruption);
      },
    });
    await expect(first).rejects.toBe(interruption);
    expect(await enumeration(target)).toHaveLength(7);

    const second = await copyStore(source, target, { pageSize: 4 });
    expect(second).toEqual({ copied: 5, alreadyThere: 0, position: 12, resumedAt: 7 });
    expect(await enumeration(target)).toEqual(await enumeration(source));

    const third = await copyStore(source, target);
    expect(third).toEqual({ copied: 0, alreadyThere: 0, position: 12, resumedAt: 12 });
  });

  it('checks from the start a target holding the same changesets in another order', async () => {
    const source = await filledSource();
    const target = sqlite();
    // customer-9's changesets first: the target's order differs from the source's.
    const customer = (await source.readChangesets('customer-9', {})) ?? [];
    for (const changeset of customer) {
      await target.commit({
        streamId: changeset.streamId,
        expectation: { kind: 'changeset', lastChangesetId: changeset.changesetId - 1 },
        events: changeset.events,
        metadata: changeset.metadata,
        timestamp: changeset.timestamp,
      });
    }
    const result = await copyStore(source, target);
    expect(result).toEqual({ copied: 8, alreadyThere: 4, position: 12, resumedAt: 0 });
    // The same changesets, customer-9's at the front: checkpoints aside, nothing differs.
    const copied = await enumeration(target);
    expect(copied.slice(0, 4).map((changeset) => changeset.streamId)).toEqual(
      Array(4).fill('customer-9'),
    );
    expect(withoutCheckpoints(copied)).toEqual(withoutCheckpoints(await enumeration(source)));
  });

  it('refuses a target that holds a different changeset, and overwrites nothing', async () => {
    const source = await filledSource();
    const target = sqlite();
    await target.commit({
      streamId: 'order-2',
      expectation: NEW_STREAM,
      events: [{ type: 'not from the source' }],
      metadata: {},
    });
    await expect(copyStore(source, target)).rejects.toThrow(
      new CopyMismatchError(
        'The target holds a different changeset 1 of stream "order-2": it is not a copy of the source.',
      ),
    );
    const [kept] = (await target.readChangesets('order-2', {})) ?? [];
    expect(kept?.events).toEqual([{ type: 'not from the source' }]);
    // A target with changesets of its own is checked one commit at a time: what came before
    // the mismatch in the source's order was copied, and nothing after it.
    expect((await enumeration(target)).map((c) => c.streamId)).toEqual(['order-2', 'order-1']);
  });

  it('counts every commit in flight when one of them fails', async () => {
    const source = await filledSource();
    const target = sqlite();
    // A target whose last changeset is the source's, so the copy resumes after it with
    // commits in flight; but its first changeset, order-1's, has an event too many.
    const [first, second] = await source.readGlobal(0, 2);
    if (first === undefined || second === undefined) throw new Error('no changesets');
    await target.commit({ ...first, events: [...first.events, {}], expectation: NEW_STREAM });
    await target.commit({ ...second, expectation: NEW_STREAM });
    let last: CopyProgress | undefined;
    await expect(
      copyStore(source, target, {
        onProgress: (progress) => {
          last = progress;
        },
      }),
    ).rejects.toThrow(
      new CopyMismatchError(
        `The target numbered the events of changeset 2 of stream "order-1" from 4, the source from 3: its earlier changesets are not the source's.`,
      ),
    );
    // Every commit in flight was waited for and counted: all ten went in.
    expect(last).toEqual({ copied: 10, alreadyThere: 0, position: 12 });
    expect(await enumeration(target)).toHaveLength(12);
  });

  it("refuses a target whose stream lacks the source's earlier changesets", async () => {
    const source = createMemoryStore();
    opened.push(source);
    const target = sqlite();
    for (const streamId of ['a', 'b']) {
      await source.commit({ streamId, expectation: NEW_STREAM, events: [{ n: 1 }], metadata: {} });
    }
    await source.commit({
      streamId: 'a',
      expectation: { kind: 'changeset', lastChangesetId: 1 },
      events: [{ n: 2 }],
      metadata: {},
    });
    // A source whose enumeration starts at a's second changeset, as if the rest were lost.
    const [second] = await source.readGlobal(2, 1);
    expect(second?.changesetId).toBe(2);
    const truncated: EventStore = {
      ...source,
      readGlobal: (checkpoint, limit, maxBytes) =>
        source.readGlobal(checkpoint + 2, limit, maxBytes),
    };
    await expect(copyStore(truncated, target)).rejects.toThrow(
      'The target lacks the changesets before changeset 2 of stream "a"',
    );
  });
});

describePostgres('copyStore into PostgreSQL', () => {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(...schemas));

  const postgres = async (): Promise<PostgresStore> => {
    const schema = uniqueSchema('ees_copy');
    schemas.push(schema);
    const target = await openPostgresStore({ connectionString: POSTGRES_URL, schema });
    opened.push(target);
    return target;
  };

  it('gives the copies the source checkpoints a page at a time, and goes on after a stop', async () => {
    const source = await filledSource();
    const target = await postgres();
    const stop = new AbortController();
    const told: number[] = [];
    await expect(
      copyStore(source, target, {
        pageSize: 5,
        signal: stop.signal,
        onProgress: ({ copied }) => {
          told.push(copied);
          if (copied === 5) stop.abort(new Error('stop'));
        },
      }),
    ).rejects.toThrow('stop');
    // The first page went in whole, in one transaction.
    expect(told).toEqual([5]);
    await target.indexNow();
    expect(await copyStore(source, target)).toMatchObject({ copied: 7, resumedAt: 5 });
    await target.indexNow();
    expect(await enumeration(target)).toEqual(await enumeration(source));
  });

  it('copies a page the target refuses one commit at a time, which names what is wrong', async () => {
    const source = await filledSource();
    const target = await postgres();
    // As in "counts every commit in flight": the target ends with the source's changeset at
    // the same checkpoint, but order-1's first changeset has an event too many, so the page
    // after it does not follow and is refused whole.
    const [first, second] = await source.readGlobal(0, 2);
    if (first === undefined || second === undefined) throw new Error('no changesets');
    await target.commit({ ...first, events: [...first.events, {}], expectation: NEW_STREAM });
    await target.commit({ ...second, expectation: NEW_STREAM });
    await target.indexNow();
    let last: CopyProgress | undefined;
    await expect(
      copyStore(source, target, {
        onProgress: (progress) => {
          last = progress;
        },
      }),
    ).rejects.toThrow(
      new CopyMismatchError(
        `The target numbered the events of changeset 2 of stream "order-1" from 4, the source from 3: its earlier changesets are not the source's.`,
      ),
    );
    // One commit at a time: customer-9's first changeset, then order-1's second, which failed.
    expect(last).toEqual({ copied: 1, alreadyThere: 0, position: 3 });
    await target.indexNow();
    expect((await enumeration(target)).map((c) => [c.streamId, c.changesetId])).toEqual([
      ['order-1', 1],
      ['order-2', 1],
      ['customer-9', 1],
      ['order-1', 2],
    ]);
  });
});

const dynamoDbEndpoint = dynamoDbLocalEndpoint();

describe.skipIf(dynamoDbEndpoint === undefined)(
  suiteTitle('copyStore through DynamoDB', dynamoDbEndpoint),
  () => {
    const client = localClient(dynamoDbEndpoint ?? '');
    afterAll(() => {
      client.destroy();
    });

    it('copies SQLite into DynamoDB and back, every changeset as it was', async () => {
      const source = await filledSource();
      const dynamo = await openTestStore(client);
      opened.push(dynamo);
      const first = await copyStore(source, dynamo);
      expect(first).toMatchObject({ copied: 12, alreadyThere: 0 });
      // DynamoDB numbers checkpoints after the commit, from its table's stream.
      await dynamo.indexNow();
      // Run again: nothing is left to copy, whichever order DynamoDB's indexer chose.
      expect(await copyStore(source, dynamo)).toMatchObject({ copied: 0, position: 12 });

      const back = sqlite();
      expect(await copyStore(dynamo, back)).toMatchObject({ copied: 12, alreadyThere: 0 });
      expect(withoutCheckpoints(await enumeration(back))).toEqual(
        withoutCheckpoints(await enumeration(source)),
      );
    });
  },
);

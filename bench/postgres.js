/**
 * Benchmark of the PostgreSQL store, at the store level (no HTTP), beside a baseline measured in
 * the same run on the same database: a plain single-statement conditional INSERT into a table of
 * the same shape. The ratio says how much of what PostgreSQL itself allows a commit keeps, once
 * it also checks the expectation and feeds the gapless global enumeration.
 *
 * Beside them, a second baseline that does what a commit's SQL does and no more: the same
 * conditional INSERT, but taking the changeset number from the stream's head read in the
 * statement and inserting only when the head is where the writer expected (the store's own
 * head check, without its batching, its indexer or its Node side). It has no target: it shows
 * how much of the gap to the plain INSERT is the check itself.
 *
 * Phases, each `--duration` seconds (default 5): the baselines and the store with 1 writer,
 * then with 8, alternating in slices of about a second so that load from other processes that
 * comes and goes weighs on all of them alike; then a full enumeration of everything written
 * (`readGlobal` in pages of 1000) and the enumeration lag over 200 sequential commits.
 * Everything happens in a fresh schema of the database at `EES_BENCH_POSTGRES_URL` (default
 * postgres://postgres@127.0.0.1:5432/test), dropped at the end. Commits are durable:
 * `synchronous_commit` is reported, and a warning printed when it is off.
 *
 * Run with `npm run bench` (it builds first), or `node bench/postgres.js` after `npm run build`;
 * `--duration 3` shortens each phase, `--json` prints one JSON object instead of the table.
 */
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { URL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openPostgresStore } from '../dist/stores/postgres/index.js';
import {
  ENUMERATION_TARGET,
  PAGE_SIZE,
  enumerate,
  measureEnumerationOverHttp,
  targetNote,
} from './lib/enumerate.js';
import { startServer, stopServer } from './lib/server.js';
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

/** The commit workload, as in bench/run.js: many streams, three ~290 B events per changeset. */
const WORKLOAD = {
  ...CHANGESET_WORKLOAD,
  writerCounts: [1, 8],
  /** The store's pool: room for 8 writers plus the indexer. */
  poolSize: 10,
  lagCommits: 200,
};

const TARGET_RATIO_AT_8 = 0.8;

const EVENTS_JSON = JSON.stringify(EVENTS);
const METADATA_JSON = JSON.stringify(METADATA);

const summarise = (name, tally) => ({
  name,
  writers: tally.writers,
  commits: tally.latencies.length,
  commits_per_second: Math.round(tally.latencies.length / tally.seconds),
  ...quantiles(tally.latencies),
});

/** The baseline's table: the store's columns, the uniqueness that decides races, nothing else. */
const baselineTableSql = (schema, table = 'baseline') => `
  CREATE TABLE "${schema}".${table} (
    stream_id      text    COLLATE "C" NOT NULL,
    changeset_id   integer NOT NULL,
    first_event_id bigint  NOT NULL,
    last_event_id  bigint  NOT NULL,
    timestamp      text    NOT NULL,
    metadata       json    NOT NULL,
    events         json    NOT NULL,
    PRIMARY KEY (stream_id, changeset_id)
  )
`;

/**
 * One statement per changeset that reads the stream's head (a backward seek of the primary key,
 * as the store's commit does) and inserts the next changeset only when that head is the one
 * the writer expected.
 */
const checkedInsertSql = (schema) => `
  INSERT INTO "${schema}".checked
    (stream_id, changeset_id, first_event_id, last_event_id, timestamp, metadata, events)
  SELECT $1::text, coalesce(last.changeset_id, 0) + 1, coalesce(last.last_event_id, 0) + 1,
         coalesce(last.last_event_id, 0) + $2::integer, $3::text, $4::json, $5::json
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (
    SELECT changeset_id, last_event_id FROM "${schema}".checked
    WHERE stream_id = $1::text ORDER BY changeset_id DESC LIMIT 1
  ) AS last ON true
  WHERE coalesce(last.changeset_id, 0) = $6::integer
  ON CONFLICT DO NOTHING
`;

/** The head-reading baseline's commit: the next changeset of stream `index`, expected to go in. */
function checkedCommit(pool, schema, heads) {
  const text = checkedInsertSql(schema);
  return async (index) => {
    const { rowCount } = await pool.query({
      name: 'bench-checked-insert',
      text,
      values: [
        streamId(index),
        WORKLOAD.eventsPerChangeset,
        new Date().toISOString(),
        METADATA_JSON,
        EVENTS_JSON,
        heads[index],
      ],
    });
    if (rowCount !== 1) throw new Error(`checked insert into ${streamId(index)} did nothing`);
    heads[index]++;
  };
}

/** One statement per changeset: insert unless that changeset number exists. */
const baselineInsertSql = (schema) => `
  INSERT INTO "${schema}".baseline
    (stream_id, changeset_id, first_event_id, last_event_id, timestamp, metadata, events)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT DO NOTHING
`;

/** The baseline's commit: the next changeset of stream `index`, which must go in. */
function baselineCommit(pool, schema, heads) {
  const text = baselineInsertSql(schema);
  return async (index) => {
    const changesetId = heads[index] + 1;
    const lastEventId = changesetId * WORKLOAD.eventsPerChangeset;
    const { rowCount } = await pool.query({
      name: 'bench-baseline-insert',
      text,
      values: [
        streamId(index),
        changesetId,
        lastEventId - WORKLOAD.eventsPerChangeset + 1,
        lastEventId,
        new Date().toISOString(),
        METADATA_JSON,
        EVENTS_JSON,
      ],
    });
    if (rowCount !== 1) throw new Error(`baseline insert into ${streamId(index)} did nothing`);
    heads[index] = changesetId;
  };
}

/**
 * Baseline and store with `writers` writers, alternating in slices of about a second: load
 * from other processes that comes and goes then weighs on both sides alike.
 */
async function comparePhases(store, schema, heads, writers, seconds) {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: writers });
  pool.on('error', () => undefined);
  try {
    const baseline = createWriters(
      'baseline',
      writers,
      baselineCommit(pool, schema, heads.baseline),
    );
    const checked = createWriters('checked', writers, checkedCommit(pool, schema, heads.checked));
    const ees = createWriters('ees', writers, storeCommit(store, heads.store));
    const sides = [baseline, checked, ees];
    const slices = Math.max(1, Math.round(seconds));
    for (let slice = 0; slice < slices; slice++) {
      for (const side of sides) await runWriters(side, seconds / slices);
    }
    // Every commit here must succeed: a failure means the figures are not what they claim.
    for (const { side, errors, firstError } of sides) {
      if (errors > 0)
        throw new Error(`${side}: ${errors} commits failed, the first: ${firstError}`);
    }
    return [
      summarise('baseline INSERT', baseline),
      summarise('head-reading INSERT', checked),
      summarise('ees store commit', ees),
    ];
  } finally {
    await pool.end();
  }
}

/** Reads the whole enumeration at the store level, in pages, checking it is gapless. */
const enumerateStore = (store) =>
  enumerate((checkpoint) => store.readGlobal(checkpoint, PAGE_SIZE));

/**
 * Commits one changeset at a time to a new stream and measures how long after the commit is
 * acknowledged `readGlobal` returns it, polling without pause. Nothing else writes meanwhile,
 * so commit k gets the checkpoint right after everything already indexed.
 */
async function enumerationLag(store) {
  let next = (await enumerateStore(store)).changesets;
  const lags = [];
  for (let k = 0; k < WORKLOAD.lagCommits; k++) {
    const id = `lag-${k}`;
    const result = await store.commit({
      streamId: id,
      expectation: { kind: 'changeset', lastChangesetId: 0 },
      events: EVENTS,
      metadata: METADATA,
    });
    const acknowledged = performance.now();
    if (result.status !== 'committed') throw new Error(`commit to ${id} ended in ${result.status}`);
    for (;;) {
      const [found] = await store.readGlobal(next, 1);
      if (found !== undefined) {
        if (found.streamId !== id) throw new Error(`checkpoint ${next} is ${found.streamId}`);
        break;
      }
      // A short pause rather than a busy loop, which would compete with the indexer.
      await sleep(1);
    }
    lags.push(performance.now() - acknowledged);
    next++;
  }
  return { commits: WORKLOAD.lagCommits, ...quantiles(lags) };
}

/** The same enumeration over HTTP, from an `ees serve` process on the benchmark's schema. */
async function enumerateThroughServer(schema) {
  const url = new URL(DATABASE_URL);
  url.searchParams.set('schema', schema);
  const server = startServer(url.href);
  try {
    return await measureEnumerationOverHttp(await server.url);
  } finally {
    await stopServer(server);
  }
}

async function databaseSettings(admin) {
  const setting = async (name) => (await admin.query(`SHOW ${name}`)).rows[0][name];
  return {
    server_version: await setting('server_version'),
    synchronous_commit: await setting('synchronous_commit'),
    fsync: await setting('fsync'),
  };
}

function printTable(report) {
  const { workload, database } = report;
  const line = (cells) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(26) : cell.padStart(10))).join(' ');
  console.log(`elastic-event-store ${report.package_version} on Node ${report.node}`);
  console.log(
    `database: PostgreSQL ${database.server_version}, synchronous_commit=${database.synchronous_commit}, fsync=${database.fsync}; fresh schema ${database.schema}, dropped at the end`,
  );
  console.log(
    `workload: ${workload.streams} streams, ${workload.events_per_changeset} events of ~${workload.event_bytes} B JSON per changeset (${workload.changeset_bytes} B of events); each writer commits round-robin to its own streams with the right expectation; ${workload.duration_s} s per phase, baselines and store alternating in ~1 s slices`,
  );
  console.log(
    `store: openPostgresStore, pool of ${workload.store_pool_size}, commit → store.commit; baseline: one INSERT ... ON CONFLICT DO NOTHING per changeset into a table of the same columns with PRIMARY KEY (stream_id, changeset_id), one pg connection per writer`,
  );
  console.log(
    `head-reading INSERT (no target): the baseline's statement as INSERT ... SELECT that reads the stream's last changeset and inserts the next only when it is the one expected, into a table of the same shape; what the store adds on top is its batching, its indexer and its Node side`,
  );
  console.log('');
  console.log(line(['', 'writers', 'commits/s', 'p50 ms', 'p99 ms', 'commits']));
  for (const phase of report.phases) {
    console.log(
      line([
        phase.name,
        String(phase.writers),
        String(phase.commits_per_second),
        phase.p50_ms.toFixed(2),
        phase.p99_ms.toFixed(2),
        String(phase.commits),
      ]),
    );
  }
  console.log('');
  for (const ratio of report.ratios) {
    const target =
      ratio.target === undefined
        ? ''
        : ` (target ≥ ${ratio.target}: ${ratio.ratio >= ratio.target ? 'met' : 'NOT met'})`;
    console.log(
      `store ÷ baseline, ${ratio.writers} writer${ratio.writers === 1 ? '' : 's'}: ${ratio.ratio.toFixed(3)}${target}`,
    );
  }
  for (const entry of report.head_reading_insert) {
    const writers = `${entry.writers} writer${entry.writers === 1 ? '' : 's'}`;
    console.log(
      `head-reading INSERT ÷ baseline, ${writers}: ${entry.checked_to_baseline.toFixed(3)}; store ÷ head-reading INSERT: ${entry.store_to_checked.toFixed(3)} (no target)`,
    );
  }
  const { enumeration, lag } = report;
  console.log(
    `global enumeration: ${enumeration.changesets} changesets in pages of ${enumeration.page_size} in ${enumeration.seconds} s = ${enumeration.changesets_per_second} changesets/s`,
  );
  const http = report.http_enumeration;
  console.log(
    `global enumeration over HTTP (ees serve, GET /changesets, pages of ${http.page_size} through the client SDK; median of ${http.passes} passes after a warm-up): ${http.changesets} changesets in ${http.seconds} s = ${http.changesets_per_second} changesets/s${targetNote(http.changesets_per_second, http.target)}`,
  );
  console.log(
    `enumeration lag (commit acknowledged → returned by readGlobal, polled every ~1 ms), ${lag.commits} sequential commits: p50 ${lag.p50_ms} ms, p99 ${lag.p99_ms} ms, max ${lag.max_ms} ms`,
  );
}

async function main() {
  const options = parseOptions({ duration: durationOption('5') });
  const schema = `ees_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  admin.on('error', () => undefined);
  await admin.connect().catch((error) => {
    throw new Error(
      `cannot connect to PostgreSQL at ${redactUrl(DATABASE_URL)} (set EES_BENCH_POSTGRES_URL): ${error.message}`,
    );
  });
  let store;
  try {
    const settings = await databaseSettings(admin);
    if (settings.synchronous_commit !== 'on' || settings.fsync !== 'on') {
      console.error(
        `warning: synchronous_commit=${settings.synchronous_commit}, fsync=${settings.fsync}: commits are not durable, figures are not comparable`,
      );
    }
    store = await openPostgresStore({
      connectionString: DATABASE_URL,
      schema,
      poolSize: WORKLOAD.poolSize,
    });
    await admin.query(baselineTableSql(schema));
    await admin.query(baselineTableSql(schema, 'checked'));

    // Each stream's last changeset, in the store and in the baselines' tables.
    const heads = {
      store: new Int32Array(WORKLOAD.streams),
      baseline: new Int32Array(WORKLOAD.streams),
      checked: new Int32Array(WORKLOAD.streams),
    };
    const phases = [];
    const ratios = [];
    const checkedRatios = [];
    for (const writers of WORKLOAD.writerCounts) {
      const [baseline, checked, ees] = await comparePhases(
        store,
        schema,
        heads,
        writers,
        options.duration,
      );
      phases.push(baseline, checked, ees);
      ratios.push({
        writers,
        ratio: ees.commits_per_second / baseline.commits_per_second,
        ...(writers === 8 ? { target: TARGET_RATIO_AT_8 } : {}),
      });
      checkedRatios.push({
        writers,
        checked_to_baseline: checked.commits_per_second / baseline.commits_per_second,
        store_to_checked: ees.commits_per_second / checked.commits_per_second,
      });
    }
    await store.indexNow();
    const enumeration = await enumerateStore(store);
    const httpEnumeration = await enumerateThroughServer(schema);
    const lag = await enumerationLag(store);

    const report = {
      package_version: PACKAGE.version,
      node: process.version,
      database: { ...settings, schema },
      workload: {
        streams: WORKLOAD.streams,
        events_per_changeset: WORKLOAD.eventsPerChangeset,
        event_bytes: WORKLOAD.eventBytes,
        changeset_bytes: Buffer.byteLength(EVENTS_JSON),
        duration_s: options.duration,
        store_pool_size: WORKLOAD.poolSize,
      },
      phases,
      ratios,
      head_reading_insert: checkedRatios,
      enumeration,
      http_enumeration: { ...httpEnumeration, target: ENUMERATION_TARGET },
      lag,
    };
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else printTable(report);
  } finally {
    await store?.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

/**
 * Load test of a real `ees serve` process on a fresh SQLite file with the default, durable
 * settings (WAL, synchronous=FULL): GET /version, as the ceiling the HTTP stack alone allows,
 * and HTTP commits, in alternating rounds. The ratio of the two (the median of the rounds'
 * ratios) says how much of the ceiling a commit keeps.
 *
 * Run with `npm run bench` (it builds first); `-- --duration 5` shortens each load to 5 s in
 * all, `-- --json` prints one JSON object instead of the table.
 */
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import autocannon from 'autocannon';
import { ENUMERATION_TARGET, measureEnumerationOverHttp, targetNote } from './lib/enumerate.js';
import { startServer, stopServer } from './lib/server.js';
import {
  CHANGESET_WORKLOAD,
  COMMIT_BODY,
  PACKAGE,
  durationOption,
  median,
  parseOptions,
} from './lib/workload.js';

/** The commit workload: many streams written round-robin, each commit naming its expectation. */
const WORKLOAD = { connections: 64, ...CHANGESET_WORKLOAD };

/** HTTP commits/s ÷ GET /version req/s on the same server. */
const TARGET_RATIO = 0.5;

/** Rounds of (GET /version, commits), each load running `duration / ROUNDS` seconds a round. */
const ROUNDS = 5;

/** One endpoint's rounds as one figure: the rate over all of them, the median latencies. */
function combine(figures) {
  const total = (key) => figures.reduce((sum, figure) => sum + figure[key], 0);
  return {
    requests_per_second: Math.round(total('ok') / total('seconds')),
    latency_p50_ms: median(figures.map((figure) => figure.latency_p50_ms)),
    latency_p99_ms: median(figures.map((figure) => figure.latency_p99_ms)),
    requests: total('requests'),
    non_2xx: total('non_2xx'),
    errors: total('errors'),
    timeouts: total('timeouts'),
  };
}

/** Summarises one autocannon run: successful requests per second and latencies. */
function summarise(result) {
  const ok = result['2xx'];
  return {
    requests_per_second: Math.round(ok / result.duration),
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
    requests: ok + result.non2xx,
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    ok,
    seconds: result.duration,
  };
}

const versionLoad = (url, duration) =>
  autocannon({ url: `${url}/version`, connections: WORKLOAD.connections, duration });

/**
 * Commit k goes to stream `bench-(k mod streams)` expecting changeset floor(k / streams), so
 * every commit is valid as long as every earlier one to its stream succeeded. autocannon builds
 * each request right before sending it, so k counts requests actually sent.
 */
function commitLoad(url, duration, counter) {
  return autocannon({
    url,
    connections: WORKLOAD.connections,
    duration,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const k = counter.sent++;
          const stream = `bench-${k % WORKLOAD.streams}`;
          const expected = Math.floor(k / WORKLOAD.streams);
          return {
            ...request,
            path: `/streams/${stream}?expected_last_changeset=${expected}`,
            headers: { 'content-type': 'application/json' },
            body: COMMIT_BODY,
          };
        },
      },
    ],
  });
}

function printTable(report) {
  const { workload } = report;
  const rows = [
    ['GET /version', report.version_endpoint],
    ['POST /streams/{id}', report.commits],
  ];
  const line = (cells) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(20) : cell.padStart(10))).join(' ');
  console.log(`elastic-event-store ${report.package_version} on Node ${report.node}`);
  console.log(
    `store: ${workload.store}; ${workload.connections} connections, ${workload.duration_s} s per load in ${workload.rounds} alternating rounds of ${workload.slice_s} s`,
  );
  console.log(
    `commits: ${workload.streams} streams round-robin, ${workload.events_per_changeset} events of ~${workload.event_bytes} B JSON per changeset (${workload.changeset_body_bytes} B body), expected_last_changeset set`,
  );
  console.log('');
  console.log(line(['', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors']));
  for (const [name, figures] of rows) {
    console.log(
      line([
        name,
        String(figures.requests_per_second),
        String(figures.latency_p50_ms),
        String(figures.latency_p99_ms),
        String(figures.requests),
        String(figures.non_2xx),
        String(figures.errors + figures.timeouts),
      ]),
    );
  }
  console.log('');
  console.log(
    `commits/s ÷ version req/s = ${report.ratio.toFixed(3)}, the median of ${report.round_ratios.length} alternating rounds (${report.round_ratios.join(', ')})${targetNote(report.ratio, TARGET_RATIO)}`,
  );
  const { enumeration } = report;
  console.log(
    `global enumeration over HTTP (GET /changesets, pages of ${enumeration.page_size} through the client SDK, which reads one page ahead; median of ${enumeration.passes} passes after a warm-up): ${enumeration.changesets} changesets in ${enumeration.seconds} s = ${enumeration.changesets_per_second} changesets/s${targetNote(enumeration.changesets_per_second, ENUMERATION_TARGET)}`,
  );
}

async function main() {
  const options = parseOptions({ duration: durationOption('10') });
  const directory = mkdtempSync(join(tmpdir(), 'ees-bench-'));
  const databaseUrl = `sqlite:${join(directory, 'ees.db')}`;
  const server = startServer(databaseUrl);
  try {
    const url = await server.url;
    // Alternating slices, so that both loads see the machine in the same state: on a shared
    // host the CPU's speed drifts over seconds, which two back-to-back phases would read as a
    // difference between the endpoints.
    const slice = Math.max(1, Math.round(options.duration / ROUNDS));
    const counter = { sent: 0 };
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const version = summarise(await versionLoad(url, slice));
      const commits = summarise(await commitLoad(url, slice, counter));
      rounds.push({
        version,
        commits,
        ratio: commits.requests_per_second / version.requests_per_second,
      });
    }
    const version = combine(rounds.map((round) => round.version));
    const commits = combine(rounds.map((round) => round.commits));
    const enumeration = await measureEnumerationOverHttp(url);
    const report = {
      package_version: PACKAGE.version,
      node: process.version,
      workload: {
        store: `${databaseUrl} (default durable settings)`,
        connections: WORKLOAD.connections,
        duration_s: options.duration,
        rounds: ROUNDS,
        slice_s: slice,
        streams: WORKLOAD.streams,
        events_per_changeset: WORKLOAD.eventsPerChangeset,
        event_bytes: WORKLOAD.eventBytes,
        changeset_body_bytes: Buffer.byteLength(COMMIT_BODY),
      },
      version_endpoint: version,
      commits,
      ratio: median(rounds.map((round) => round.ratio)),
      round_ratios: rounds.map((round) => Math.round(round.ratio * 1000) / 1000),
      rounds: rounds.map((round) => ({
        version_per_second: round.version.requests_per_second,
        commits_per_second: round.commits.requests_per_second,
        commit_p99_ms: round.commits.latency_p99_ms,
      })),
      ratio_target: TARGET_RATIO,
      enumeration: { ...enumeration, target: ENUMERATION_TARGET },
    };
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else printTable(report);
    if (commits.non_2xx > 0 || commits.errors > 0) {
      console.error(
        `warning: ${commits.non_2xx} commits answered non-2xx, ${commits.errors} failed`,
      );
    }
  } finally {
    await stopServer(server);
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

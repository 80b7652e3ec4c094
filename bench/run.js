/**
 * Load test of a real `ees serve` process on a fresh SQLite file with the default, durable
 * settings (WAL, synchronous=FULL): GET /version first, as the ceiling the HTTP stack alone
 * allows, then HTTP commits. The ratio of the two says how much of the ceiling a commit keeps.
 *
 * Run with `npm run bench` (it builds first); `-- --duration 3` shortens each phase,
 * `-- --json` prints one JSON object instead of the table.
 */
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import console from 'node:console';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const CLI = fileURLToPath(new URL('../dist/runtime/cli.js', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** The commit workload: many streams written round-robin, each commit naming its expectation. */
const WORKLOAD = {
  connections: 64,
  streams: 10_000,
  eventsPerChangeset: 3,
  eventBytes: 290,
};

/** How long to wait for the server to announce itself or to exit. */
const PROCESS_DEADLINE_MS = 15_000;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const duration = Number(values.duration);
  if (!Number.isFinite(duration) || duration <= 0) {
    throw new Error(`--duration must be a positive number of seconds, got "${values.duration}"`);
  }
  return { duration, json: values.json };
}

/** One event of about `bytes` bytes of JSON: a plausible domain event, padded to size. */
function makeEvent(index, bytes) {
  const event = {
    type: 'OrderLineAdded',
    line: index,
    sku: `SKU-${String(index).padStart(6, '0')}`,
    quantity: 2,
    unit_price: { amount: 1999, currency: 'EUR' },
    note: '',
  };
  event.note = 'x'.repeat(Math.max(0, bytes - JSON.stringify(event).length));
  return event;
}

const COMMIT_BODY = JSON.stringify({
  events: Array.from({ length: WORKLOAD.eventsPerChangeset }, (_, i) =>
    makeEvent(i, WORKLOAD.eventBytes),
  ),
  metadata: { source: 'bench' },
});

/** Starts `ees serve` and resolves once its start-up line names the URL. */
function startServer(databaseUrl) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--database-url', databaseUrl],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      reject(new Error(`ees did not start within ${PROCESS_DEADLINE_MS} ms: ${stderr}`));
    }, PROCESS_DEADLINE_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ees exited with code ${code} before listening: ${stderr.trim()}`));
    });
  });
  return { child, url, exited, stderr: () => stderr };
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
  };
}

const versionLoad = (url, duration) =>
  autocannon({ url: `${url}/version`, connections: WORKLOAD.connections, duration });

/**
 * Commit k goes to stream `bench-(k mod streams)` expecting changeset floor(k / streams), so
 * every commit is valid as long as every earlier one to its stream succeeded. autocannon builds
 * each request right before sending it, so k counts requests actually sent.
 */
function commitLoad(url, duration) {
  let k = 0;
  return autocannon({
    url,
    connections: WORKLOAD.connections,
    duration,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const stream = `bench-${k % WORKLOAD.streams}`;
          const expected = Math.floor(k / WORKLOAD.streams);
          k++;
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
    `store: ${workload.store}; ${workload.connections} connections, ${workload.duration_s} s per phase`,
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
  console.log(`commits/s ÷ version req/s = ${report.ratio.toFixed(3)}`);
}

async function main() {
  const options = parseOptions();
  const directory = mkdtempSync(join(tmpdir(), 'ees-bench-'));
  const databaseUrl = `sqlite:${join(directory, 'ees.db')}`;
  const server = startServer(databaseUrl);
  try {
    const url = await server.url;
    const version = summarise(await versionLoad(url, options.duration));
    const commits = summarise(await commitLoad(url, options.duration));
    const report = {
      package_version: PACKAGE.version,
      node: process.version,
      workload: {
        store: `${databaseUrl} (default durable settings)`,
        connections: WORKLOAD.connections,
        duration_s: options.duration,
        streams: WORKLOAD.streams,
        events_per_changeset: WORKLOAD.eventsPerChangeset,
        event_bytes: WORKLOAD.eventBytes,
        changeset_body_bytes: Buffer.byteLength(COMMIT_BODY),
      },
      version_endpoint: version,
      commits,
      ratio: commits.requests_per_second / version.requests_per_second,
    };
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else printTable(report);
    if (commits.non_2xx > 0 || commits.errors > 0) {
      console.error(
        `warning: ${commits.non_2xx} commits answered non-2xx, ${commits.errors} failed`,
      );
    }
  } finally {
    server.child.kill('SIGTERM');
    const code = await Promise.race([
      server.exited,
      new Promise((resolve) => setTimeout(() => resolve('timeout'), PROCESS_DEADLINE_MS).unref()),
    ]);
    if (code !== 0) {
      server.child.kill('SIGKILL');
      console.error(`ees did not shut down cleanly (${code}): ${server.stderr().trim()}`);
    }
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

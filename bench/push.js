/**
 * Push delivery benchmark of a real `ees serve` process on a fresh SQLite file: how fast a
 * Server-Sent Events subscriber on `GET /changesets` hears about commits.
 *
 * - commit → SSE latency: one live subscriber, then N sequential commits (`POST /streams/lat-<i>`);
 *   each latency is the time from sending the commit request to receiving its SSE message.
 * - catch-up rate: M commits first (64 in flight, distinct streams), then a subscriber from the
 *   checkpoint before them, timed until it has received all M messages.
 *
 * Run with `node bench/push.js` after `npm run build`; `--commits N` and `--catch-up M` size
 * the phases, `--json` prints one JSON object instead of the table.
 */
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { TextDecoder } from 'node:util';
import { enumerateOverHttp } from './lib/enumerate.js';
import { PROCESS_DEADLINE_MS, startServer, stopServer } from './lib/server.js';
import {
  CHANGESET_WORKLOAD,
  COMMIT_BODY,
  PACKAGE,
  parseOptions,
  positiveIntegerOption,
} from './lib/workload.js';

const { fetch, AbortController } = globalThis;

const WORKLOAD = {
  eventsPerChangeset: CHANGESET_WORKLOAD.eventsPerChangeset,
  eventBytes: CHANGESET_WORKLOAD.eventBytes,
  catchUpConcurrency: 64,
};

const TARGET_P99_MS = 10;

/** How long to wait for a phase to finish. */
const PHASE_DEADLINE_MS = 60_000;

/** Commits the benchmark changeset as a new stream; throws unless it is answered 200. */
async function commit(url, streamId) {
  const response = await fetch(`${url}/streams/${encodeURIComponent(streamId)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: COMMIT_BODY,
  });
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`commit to ${streamId} answered ${response.status}: ${text}`);
  }
}

/** The enumeration's current end: the checkpoint the next changeset will get. */
const currentEnd = async (url) => (await enumerateOverHttp(url)).changesets;

/**
 * Opens an SSE subscription on `GET /changesets?checkpoint=C` and calls `onMessage(message)` for
 * every `changeset` message, with its `data` parsed. Resolves once the response headers are in;
 * `close()` ends it.
 */
async function subscribe(url, checkpoint, onMessage) {
  const controller = new AbortController();
  const response = await fetch(`${url}/changesets?checkpoint=${checkpoint}`, {
    headers: { accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (
    response.status !== 200 ||
    !response.headers.get('content-type')?.startsWith('text/event-stream')
  ) {
    throw new Error(
      `subscription answered ${response.status} ${response.headers.get('content-type')}`,
    );
  }
  const decoder = new TextDecoder();
  let buffer = '';
  const dispatch = (frame) => {
    let event = 'message';
    let id;
    const data = [];
    for (const line of frame.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    if (event === 'error') throw new Error(`subscription error: ${data.join('\n')}`);
    if (event === 'changeset') onMessage({ id, data: JSON.parse(data.join('\n')) });
  };
  const done = (async () => {
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          dispatch(frame);
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  return {
    done,
    close: async () => {
      controller.abort();
      await done.catch(() => undefined);
    },
  };
}

/** Rejects after `ms` with `what`, unless `promise` settles first. */
function deadline(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

const round = (ms) => Math.round(ms * 100) / 100;

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted[sorted.length - 1]),
    mean_ms: round(sorted.reduce((sum, x) => sum + x, 0) / sorted.length),
  };
}

async function measureLatency(url, commits) {
  const sent = new Map();
  const latencies = [];
  const responses = [];
  let waiting;
  const subscription = await subscribe(url, await currentEnd(url), ({ data }) => {
    const start = sent.get(data.stream_id);
    if (start === undefined) return;
    latencies.push(performance.now() - start);
    sent.delete(data.stream_id);
    waiting?.();
  });
  try {
    const failed = subscription.done.then(() => {
      throw new Error('the subscription ended during the latency phase');
    });
    for (let i = 0; i < commits; i++) {
      const streamId = `lat-${i}`;
      const delivered = new Promise((resolve) => (waiting = resolve));
      const start = performance.now();
      sent.set(streamId, start);
      await commit(url, streamId);
      responses.push(performance.now() - start);
      if (sent.has(streamId)) {
        await deadline(
          Promise.race([delivered, failed]),
          PROCESS_DEADLINE_MS,
          `delivery of ${streamId}`,
        );
      }
    }
  } finally {
    await subscription.close();
  }
  return { commits, delivery: summary(latencies), commit_response: summary(responses) };
}

async function measureCatchUp(url, total) {
  const from = await currentEnd(url);
  const writeStart = performance.now();
  let next = 0;
  const writer = async () => {
    while (next < total) {
      const i = next++;
      await commit(url, `catchup-${i}`);
    }
  };
  await Promise.all(Array.from({ length: WORKLOAD.catchUpConcurrency }, writer));
  const writeSeconds = (performance.now() - writeStart) / 1000;

  let received = 0;
  let finished;
  const all = new Promise((resolve) => (finished = resolve));
  const start = performance.now();
  const subscription = await subscribe(url, from, () => {
    received++;
    if (received === total) finished();
  });
  try {
    const ended = subscription.done.then(() => {
      throw new Error(`the subscription ended after ${received} of ${total} messages`);
    });
    await deadline(Promise.race([all, ended]), PHASE_DEADLINE_MS, 'catch-up');
  } finally {
    await subscription.close();
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    changesets: total,
    seconds: round(seconds),
    changesets_per_second: Math.round(total / seconds),
    commit_phase_commits_per_second: Math.round(total / writeSeconds),
  };
}

function printTable(report) {
  const { workload, latency, catch_up: catchUp } = report;
  console.log(`elastic-event-store ${report.package_version} on Node ${report.node}`);
  console.log(`store: ${workload.store}`);
  console.log(
    `changesets: ${workload.events_per_changeset} events of ~${workload.event_bytes} B JSON (${workload.changeset_body_bytes} B body), each to a new stream`,
  );
  console.log(
    `latency: 1 subscriber on GET /changesets (SSE), ${latency.commits} sequential commits; catch-up: ${catchUp.changesets} commits (${workload.catch_up_concurrency} in flight), then 1 subscriber from before them`,
  );
  console.log('');
  const line = (cells) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(34) : cell.padStart(12))).join(' ');
  console.log(
    line([`${latency.commits} sequential commits`, 'p50 ms', 'p99 ms', 'max ms', 'mean ms']),
  );
  for (const [name, figures] of [
    ['  commit sent → SSE message', latency.delivery],
    ['  (commit sent → HTTP response)', latency.commit_response],
  ]) {
    console.log(
      line([
        name,
        String(figures.p50_ms),
        String(figures.p99_ms),
        String(figures.max_ms),
        String(figures.mean_ms),
      ]),
    );
  }
  console.log('');
  console.log(line(['catch-up delivery', 'changesets', 'seconds', 'changesets/s', '']));
  console.log(
    line([
      '  subscriber from checkpoint before',
      String(catchUp.changesets),
      String(catchUp.seconds),
      String(catchUp.changesets_per_second),
      '',
    ]),
  );
  console.log(
    `  (writing them: ${catchUp.commit_phase_commits_per_second} commits/s over HTTP, ${workload.catch_up_concurrency} in flight)`,
  );
  console.log('');
  console.log(
    `target: commit → SSE p99 <= ${TARGET_P99_MS} ms: ${report.targets.latency_p99_met ? 'met' : 'NOT met'} (${latency.delivery.p99_ms} ms)`,
  );
}

async function main() {
  const options = parseOptions({
    commits: positiveIntegerOption('500'),
    'catch-up': positiveIntegerOption('20000'),
  });
  const directory = mkdtempSync(join(tmpdir(), 'ees-bench-push-'));
  const databaseUrl = `sqlite:${join(directory, 'ees.db')}`;
  const server = startServer(databaseUrl, ['--stats-interval', '3600']);
  try {
    const url = await server.url;
    const latency = await measureLatency(url, options.commits);
    const catchUp = await measureCatchUp(url, options.catchUp);
    const report = {
      package_version: PACKAGE.version,
      node: process.version,
      workload: {
        store: `${databaseUrl} (default durable settings)`,
        events_per_changeset: WORKLOAD.eventsPerChangeset,
        event_bytes: WORKLOAD.eventBytes,
        changeset_body_bytes: Buffer.byteLength(COMMIT_BODY),
        catch_up_concurrency: WORKLOAD.catchUpConcurrency,
      },
      latency,
      catch_up: catchUp,
      targets: {
        latency_p99_ms: TARGET_P99_MS,
        latency_p99_met: latency.delivery.p99_ms <= TARGET_P99_MS,
      },
    };
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else printTable(report);
  } finally {
    await stopServer(server);
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

/**
 * Soak test: a real `ees serve` process under a bounded, steady mixed load for a few minutes,
 * watched for what only time reveals: memory that keeps growing, latency that keeps rising.
 *
 * The load runs at fixed rates, so windows are comparable however fast the machine is:
 * commits (round-robin over 1000 streams, with the right expectation), reads of a stream's
 * changesets and of a page of the global enumeration, and SSE subscribers following the global
 * enumeration live (each one reconnects with Last-Event-ID every 30 s, as clients behind proxies
 * do). Every `--window` seconds it samples the server's resident memory (RSS, from /proc) and the
 * p99 of commits and reads in that window.
 *
 * It compares the first window after warm-up with the last one, and exits 1 when either grew
 * beyond its allowance (RSS: +50% and +64 MiB; p99: ×3 and +20 ms; generous, because this
 * machine is noisy and the database grows during the run), or when any request failed or a
 * subscriber missed or repeated a changeset.
 *
 * Run with `npm run soak` (it builds first); `-- --duration 60` for a short run, `-- --json` for
 * one JSON object; `EES_SOAK_DATABASE_URL` picks another store (default: a fresh SQLite file).
 */
import console from 'node:console';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { TextDecoder } from 'node:util';
import { startServer, stopServer } from './lib/server.js';
import { COMMIT_BODY, PACKAGE, durationOption, parseOptions } from './lib/workload.js';

const { fetch, AbortController } = globalThis;

const LOAD = {
  commitsPerSecond: 200,
  readsPerSecond: 200,
  subscribers: 20,
  streams: 1000,
  reconnectEverySeconds: 30,
  warmupSeconds: 10,
};

const ALLOWANCE = { rssFactor: 1.5, rssExtraMiB: 64, p99Factor: 3, p99ExtraMs: 20 };

/** Resident memory of a process in MiB, from /proc (Linux). */
function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Math.round((Number(match[1]) / 1024) * 10) / 10;
}

const p99 = (samples) => {
  if (samples.length === 0) return 0;
  const sorted = Float64Array.from(samples).sort();
  return (
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] * 100) / 100
  );
};

/** Runs `once()` `perSecond` times a second until `until()` says stop, recording latencies. */
async function paced(perSecond, until, once, record) {
  const interval = 1000 / perSecond;
  let next = performance.now();
  const inFlight = new Set();
  while (!until()) {
    const started = performance.now();
    const request = once().then(
      () => record(performance.now() - started, undefined),
      (error) => record(performance.now() - started, error),
    );
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
    next += interval;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    else next = performance.now();
  }
  await Promise.all(inFlight);
}

/** Follows `GET /changesets` over SSE, checking each checkpoint comes once, in order. */
async function subscribe(url, until, state) {
  let lastEventId;
  while (!until()) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), LOAD.reconnectEverySeconds * 1000);
    try {
      const response = await fetch(`${url}/changesets?checkpoint=0`, {
        headers: {
          accept: 'text/event-stream',
          ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
        },
        signal: abort.signal,
      });
      if (response.status !== 200) throw new Error(`subscribe answered ${response.status}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(frame)?.[1];
          if (id === undefined) continue; // a heartbeat
          const checkpoint = Number(id);
          if (checkpoint !== state.next) {
            state.errors.push(`subscriber got checkpoint ${checkpoint}, expected ${state.next}`);
          }
          state.next = checkpoint + 1;
          lastEventId = id;
        }
        if (until()) abort.abort();
      }
    } catch (error) {
      if (!abort.signal.aborted) state.errors.push(`subscriber: ${error.message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

function createWindow() {
  return { commits: [], reads: [], failures: 0 };
}

function printReport(report) {
  console.log(`elastic-event-store ${report.package_version} on Node ${report.node}: soak`);
  console.log(
    `store: ${report.store}; ${report.duration_s} s; ${LOAD.commitsPerSecond} commits/s over ${LOAD.streams} streams, ${LOAD.readsPerSecond} reads/s, ${LOAD.subscribers} SSE subscribers (reconnecting every ${LOAD.reconnectEverySeconds} s)`,
  );
  console.log('');
  console.log('   at s   RSS MiB   commit p99 ms   read p99 ms   commits   reads   failures');
  for (const w of report.windows) {
    console.log(
      `${String(w.at_s).padStart(7)} ${String(w.rss_mib).padStart(9)} ${String(w.commit_p99_ms).padStart(15)} ${String(w.read_p99_ms).padStart(13)} ${String(w.commits).padStart(9)} ${String(w.reads).padStart(7)} ${String(w.failures).padStart(10)}`,
    );
  }
  console.log('');
  const { start, end } = report;
  console.log(
    `start (first window after ${LOAD.warmupSeconds} s of warm-up) → end: RSS ${start.rss_mib} → ${end.rss_mib} MiB, commit p99 ${start.commit_p99_ms} → ${end.commit_p99_ms} ms, read p99 ${start.read_p99_ms} → ${end.read_p99_ms} ms`,
  );
  console.log(
    `subscribers: ${report.subscribers.received} changesets each of ${report.subscribers.committed} committed`,
  );
  for (const problem of report.problems) console.log(`problem: ${problem}`);
  console.log(report.problems.length === 0 ? 'flat: yes' : 'flat: NO');
}

async function main() {
  const options = parseOptions({
    duration: durationOption('180'),
    window: durationOption('10'),
  });
  const directory = mkdtempSync(join(tmpdir(), 'ees-soak-'));
  const databaseUrl = process.env.EES_SOAK_DATABASE_URL ?? `sqlite:${join(directory, 'ees.db')}`;
  const server = startServer(databaseUrl);
  try {
    const url = await server.url;
    const started = performance.now();
    const deadline = started + options.duration * 1000;
    const until = () => performance.now() >= deadline;

    let window = createWindow();
    const windows = [];
    const problems = [];
    const heads = new Int32Array(LOAD.streams);
    let committed = 0;
    let k = 0;

    const commitOnce = async () => {
      const index = k++ % LOAD.streams;
      const expected = heads[index];
      heads[index] = expected + 1; // one commit per stream in flight at these rates
      const response = await fetch(
        `${url}/streams/soak-${index}?expected_last_changeset=${expected}`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: COMMIT_BODY },
      );
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`commit answered ${response.status}`);
      committed++;
    };
    let r = 0;
    const readOnce = async () => {
      const which = r++;
      const path =
        which % 2 === 0
          ? `/streams/soak-${which % LOAD.streams}/changesets`
          : `/changesets?checkpoint=${Math.max(0, committed - 100)}&limit=100`;
      const response = await fetch(`${url}${path}`);
      await response.arrayBuffer();
      // A stream not written yet is a 404 by contract, not a failure.
      if (response.status !== 200 && response.status !== 404) {
        throw new Error(`${path} answered ${response.status}`);
      }
    };
    const record = (key) => (ms, error) => {
      window[key].push(ms);
      if (error !== undefined) {
        window.failures++;
        if (problems.length < 20) problems.push(error.message);
      }
    };

    const subscriberStates = Array.from({ length: LOAD.subscribers }, () => ({
      next: 0,
      errors: [],
    }));
    const load = Promise.all([
      paced(LOAD.commitsPerSecond, until, commitOnce, record('commits')),
      paced(LOAD.readsPerSecond, until, readOnce, record('reads')),
      ...subscriberStates.map((state) => subscribe(url, until, state)),
    ]);

    const sampler = (async () => {
      while (!until()) {
        await sleep(options.window * 1000);
        const closed = window;
        window = createWindow();
        windows.push({
          at_s: Math.round((performance.now() - started) / 1000),
          rss_mib: rssMiB(server.child.pid),
          commit_p99_ms: p99(closed.commits),
          read_p99_ms: p99(closed.reads),
          commits: closed.commits.length,
          reads: closed.reads.length,
          failures: closed.failures,
        });
      }
    })();
    await Promise.all([load, sampler]);

    // Subscribers stop where they are; give them the tail before judging completeness.
    const measured = windows.filter((w) => w.at_s > LOAD.warmupSeconds);
    const start = measured[0] ?? windows[0];
    const end = windows.at(-1);
    if (start === undefined || end === undefined) throw new Error('the run was too short');
    if (end.rss_mib > start.rss_mib * ALLOWANCE.rssFactor + ALLOWANCE.rssExtraMiB) {
      problems.push(`RSS grew from ${start.rss_mib} to ${end.rss_mib} MiB`);
    }
    for (const key of ['commit_p99_ms', 'read_p99_ms']) {
      if (end[key] > start[key] * ALLOWANCE.p99Factor + ALLOWANCE.p99ExtraMs) {
        problems.push(`${key} grew from ${start[key]} to ${end[key]}`);
      }
    }
    for (const state of subscriberStates) problems.push(...state.errors.slice(0, 5));
    const received = Math.min(...subscriberStates.map((state) => state.next));
    // Subscribers stop as the load stops; the last commits may still have been on their way.
    if (received < committed - LOAD.commitsPerSecond) {
      problems.push(`a subscriber received ${received} of ${committed} changesets`);
    }
    const report = {
      package_version: PACKAGE.version,
      node: process.version,
      store: databaseUrl,
      duration_s: options.duration,
      load: LOAD,
      allowance: ALLOWANCE,
      windows,
      start,
      end,
      subscribers: { received, committed },
      problems,
    };
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else printReport(report);
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    await stopServer(server);
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

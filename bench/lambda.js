/**
 * The AWS Lambda functions, measured locally: the size of each bundle, and the cold start of the
 * API function, i.e. the time a fresh Node.js process takes to import the API bundle and answer
 * its first request (an API Gateway HTTP API event for `GET /version`).
 *
 * The bundles are built as the CDK app builds them (infra/aws/lib/event-store-stack.ts,
 * BUNDLING): esbuild, minified, one ES module per function for Node.js 22, the AWS SDK included,
 * ES module builds of dependencies preferred. Targets: API bundle at most 1 MiB, cold start at
 * most 150 ms. Nothing is sent anywhere: answering `GET /version` never opens the store.
 *
 * Run with `node bench/lambda.js`; `--runs N` fresh processes (default 7, the median is
 * reported), `--json` prints one JSON object instead of the table. Exits 1 when a target is
 * missed.
 */
import { spawn } from 'node:child_process';
import console from 'node:console';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as esbuild from 'esbuild';
import { PACKAGE, median, parseOptions, positiveIntegerOption } from './lib/workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const FUNCTIONS = ['api', 'indexer', 'publisher', 'statistics'];

const TARGETS = { apiBundleBytes: 1024 * 1024, coldStartMs: 150 };

/** The CDK app's bundling options, as esbuild options (keep the two in step). */
const BUNDLING = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: {
    js: "import{createRequire as __ees_cr}from'node:module';const require=__ees_cr(import.meta.url);",
  },
  logLevel: 'silent',
};

/**
 * What the child process runs: import the bundle, hand it the event API Gateway would send for
 * `GET /version`, and report both durations. Timing starts after Node's own start-up, as the
 * Lambda runtime's init does not count Node booting either.
 */
const COLD_START = `
const started = performance.now();
const { handler } = await import(process.argv[1]);
const imported = performance.now();
const result = await handler({
  version: '2.0',
  routeKey: '$default',
  rawPath: '/version',
  rawQueryString: '',
  headers: { accept: 'application/json', host: 'abc123.execute-api.eu-west-1.amazonaws.com' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
    domainPrefix: 'abc123',
    http: { method: 'GET', path: '/version', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'bench' },
    requestId: 'bench',
    routeKey: '$default',
    stage: '$default',
    time: '27/Nov/2026:09:00:00 +0000',
    timeEpoch: 1795770000000,
  },
  isBase64Encoded: false,
});
const answered = performance.now();
process.stdout.write(JSON.stringify({
  importMs: imported - started,
  firstResponseMs: answered - imported,
  status: result.statusCode,
  body: result.body,
}));
`;

/**
 * The environment of the cold-start process: what the deployed function gets, with a DynamoDB
 * endpoint on a closed local port and dummy credentials, so that nothing could reach AWS even
 * if the store were opened.
 */
const CHILD_ENV = {
  PATH: process.env.PATH,
  EES_TABLE_NAME: 'bench',
  EES_VERSION: PACKAGE.version,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
};

async function bundle(name, outdir) {
  const outfile = join(outdir, `${name}.mjs`);
  await esbuild.build({
    ...BUNDLING,
    entryPoints: [join(ROOT, 'src', 'runtime', 'lambda', `${name}.ts`)],
    outfile,
  });
  return { name, file: outfile, bytes: statSync(outfile).size };
}

/** One cold start in a fresh process; its wall time includes Node's start-up, for reference. */
function coldStart(file) {
  return new Promise((resolve, reject) => {
    const spawned = performance.now();
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', COLD_START, pathToFileURL(file).href],
      { env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`cold-start process exited with ${code}: ${stderr.trim()}`));
        return;
      }
      const run = JSON.parse(stdout);
      if (run.status !== 200 || JSON.parse(run.body).version !== PACKAGE.version) {
        reject(new Error(`unexpected first response ${run.status} ${run.body}`));
        return;
      }
      resolve({
        importMs: run.importMs,
        firstResponseMs: run.firstResponseMs,
        coldStartMs: run.importMs + run.firstResponseMs,
        processMs: performance.now() - spawned,
      });
    });
  });
}

const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (value) => value.toFixed(1);

function printTable(report) {
  const row = (cells) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(22) : cell.padStart(12))).join(' ');
  console.log(row(['bundle', 'size', 'target']));
  for (const b of report.bundles) {
    console.log(row([`${b.name}.mjs`, kib(b.bytes), b.name === 'api' ? '<= 1024 KiB' : '']));
  }
  console.log('');
  const c = report.coldStart;
  console.log(row(['API cold start (ms)', 'median', 'min', 'max', 'target']).replace(/\s+$/, ''));
  for (const [label, key] of [
    ['import', 'importMs'],
    ['first response', 'firstResponseMs'],
    ['import + response', 'coldStartMs'],
    ['whole process', 'processMs'],
  ]) {
    const values = c.runs.map((run) => run[key]);
    console.log(
      row([
        label,
        ms(median(values)),
        ms(Math.min(...values)),
        ms(Math.max(...values)),
        key === 'coldStartMs' ? `<= ${TARGETS.coldStartMs}` : '',
      ]).replace(/\s+$/, ''),
    );
  }
  console.log('');
  console.log(
    `${c.runs.length} fresh processes, node ${process.version}; API bundle ${report.met.apiBundle ? 'within' : 'OVER'} target, cold start ${report.met.coldStart ? 'within' : 'OVER'} target`,
  );
}

async function main() {
  const options = parseOptions({ runs: positiveIntegerOption('7') });
  const outdir = mkdtempSync(join(tmpdir(), 'ees-lambda-bench-'));
  try {
    const bundles = [];
    for (const name of FUNCTIONS) bundles.push(await bundle(name, outdir));
    const api = bundles.find((b) => b.name === 'api');
    // One unmeasured run first, so that the bundle file is in the page cache as on a warm host.
    await coldStart(api.file);
    const runs = [];
    for (let i = 0; i < options.runs; i++) runs.push(await coldStart(api.file));
    const coldStartMs = median(runs.map((run) => run.coldStartMs));
    const report = {
      node: process.version,
      targets: TARGETS,
      bundles: bundles.map(({ name, bytes }) => ({ name, bytes })),
      coldStart: {
        medianMs: coldStartMs,
        medianImportMs: median(runs.map((run) => run.importMs)),
        medianFirstResponseMs: median(runs.map((run) => run.firstResponseMs)),
        runs,
      },
      met: {
        apiBundle: api.bytes <= TARGETS.apiBundleBytes,
        coldStart: coldStartMs <= TARGETS.coldStartMs,
      },
    };
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else printTable(report);
    // A missed target is a result, printed above, not a failure: `npm run bench` goes on.
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

await main();

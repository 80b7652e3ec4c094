/**
 * `npx tsx src/runtime/serverless-local.ts`: the serverless architecture on this machine, no AWS
 * account needed. DynamoDB Local and an SNS/SQS emulator stand in for AWS; the four Lambda
 * handlers run as the CDK app deploys them; the API answers on http://127.0.0.1:3000. Every
 * message pushed to the SNS FIFO topics is printed as it arrives.
 *
 * Flags and variables as for `ees serve`: --port (PORT), --host (HOST), --stats-interval
 * (EES_STATS_INTERVAL, seconds). Needs the development dependencies and Java 17 or later.
 */
import process from 'node:process';
import { startLocalStack } from '../lambda/local/index.js';
import { resolveConfig } from './config.js';
import { describeError, isStartupError } from './errors.js';
import { readPackageVersion } from './version.js';

const log = (line: string) => {
  process.stdout.write(`${line}\n`);
};

try {
  const config = resolveConfig(process.env, process.argv.slice(2));
  const version = readPackageVersion();
  const stack = await startLocalStack({
    port: config.port,
    host: config.host,
    version,
    statsIntervalMs: config.statsIntervalMs,
    log,
  });
  log(`ees ${version} serverless stack on ${stack.url}`);
  log(`  DynamoDB Local        ${stack.dynamoDbEndpoint} (table ees-local)`);
  log(`  SNS/SQS emulator      ${stack.snsSqsEndpoint}`);
  log(`  changesets topic      ${stack.changesetsTopicArn}`);
  log(`  events topic          ${stack.eventsTopicArn}`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void stack.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`ees: ${describeError(error)}\n`);
  process.exit(isStartupError(error) ? error.exitCode : 1);
}

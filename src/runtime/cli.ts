#!/usr/bin/env node
/**
 * The `ees` command. The only module that reads `process.env` and `process.argv`, and the
 * only one that decides exit codes; everything it runs takes its inputs as arguments.
 */
import { resolveConfig } from './config.js';
import { ConfigError, describeError, describeUnexpected, isStartupError } from './errors.js';
import { helpText } from './help.js';
import type { RunningServer } from './server.js';
import { startServer } from './server.js';
import { redactPassword } from './redact.js';
import { openStore } from './stores.js';
import { readPackageVersion } from './version.js';

const HELP_FLAGS = new Set(['--help', '-h']);

/** Prints a one-line report on stderr, in the `ees: ...` form scripts can grep for. */
const report = (line: string): void => {
  process.stderr.write(`ees: ${line}\n`);
};

/** Closes gracefully on the first SIGTERM/SIGINT; a second one exits at once. */
function exitOnSignals(server: RunningServer): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      report(`${signal} again, exiting without waiting`);
      process.exit(1);
    }
    closing = true;
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        report(`shutdown failed: ${describeError(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function serve(args: readonly string[], version: string): Promise<void> {
  const config = resolveConfig(process.env, args);
  const store = await openStore(config.databaseUrl);
  const server = await startServer({ config, store, version, log: report });
  exitOnSignals(server);
  process.stdout.write(
    `ees ${version} listening on ${server.url} (store: ${redactPassword(config.databaseUrl)})\n`,
  );
}

async function main(argv: readonly string[]): Promise<void> {
  const version = readPackageVersion();
  const [command, ...args] = argv;
  if (command === 'help' || (command !== undefined && HELP_FLAGS.has(command))) {
    process.stdout.write(helpText(version));
  } else if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${version}\n`);
  } else if (command === 'serve') {
    if (args.some((arg) => HELP_FLAGS.has(arg))) process.stdout.write(helpText(version));
    else await serve(args, version);
  } else if (command === undefined) {
    process.stderr.write(helpText(version));
    throw new ConfigError('no command given');
  } else {
    throw new ConfigError(`unknown command "${command}"; see "ees --help"`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (isStartupError(error)) {
    report(error.message);
    process.exit(error.exitCode);
  }
  report(describeUnexpected(error));
  process.exit(1);
});

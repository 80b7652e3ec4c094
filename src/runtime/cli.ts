#!/usr/bin/env node
/**
 * The `ees` command. The only module that reads `process.env` and `process.argv`, and the
 * only one that decides exit codes; everything it runs takes its inputs as arguments.
 */
import { Buffer } from 'node:buffer';
import { CLIENT_COMMANDS } from './commands/index.js';
import type { ClientCommand } from './commands/index.js';
import { resolveApiTokens } from './access.js';
import { resolveConfig } from './config.js';
import {
  ConfigError,
  InterruptedError,
  describeError,
  describeUnexpected,
  isStartupError,
} from './errors.js';
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
  // Before the store is opened: an unsafe setup is refused without touching any data.
  const apiTokens = resolveApiTokens(config);
  const store = await openStore(config.databaseUrl);
  const server = await startServer({ config, store, version, log: report, apiTokens });
  exitOnSignals(server);
  process.stdout.write(
    `ees ${version} listening on ${server.url} (store: ${redactPassword(config.databaseUrl)})\n`,
  );
}

const clientCommandNamed = (name: string): ClientCommand | undefined =>
  Object.hasOwn(CLIENT_COMMANDS, name) ? CLIENT_COMMANDS[name] : undefined;

/**
 * All of standard input as text, decoded once at the end: a character whose UTF-8 bytes arrive
 * in two chunks would be two U+FFFD if each chunk were decoded on its own.
 */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new ConfigError('standard input is not UTF-8 text');
  }
}

/** `promise`, or the signal's reason as soon as it aborts. */
const untilAborted = <T>(promise: Promise<T>, signal: AbortSignal): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });

/**
 * Runs a client command. Ctrl-C or SIGTERM aborts its signal with an `InterruptedError` as the
 * reason: a request in flight (or the reading of standard input) throws it, and the command
 * exits 130 or 143 saying `interrupted`; `ees tail` ends its subscription cleanly instead.
 */
async function runClientCommand(command: ClientCommand, args: readonly string[]): Promise<void> {
  const interrupted = new AbortController();
  const interrupt = (signal: 'SIGINT' | 'SIGTERM'): void => {
    interrupted.abort(new InterruptedError(signal));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  // The reader of the output went away (`ees tail | head -1`): there is nothing left to do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    report(`cannot write the output: ${describeError(error)}`);
    process.exit(1);
  });
  try {
    await command({
      args,
      env: process.env,
      write: (text) => process.stdout.write(text),
      report,
      readStdin: () => untilAborted(readStdin(), interrupted.signal),
      signal: interrupted.signal,
    });
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const version = readPackageVersion();
  const [command, ...args] = argv;
  const clientCommand = command === undefined ? undefined : clientCommandNamed(command);
  if (command === 'help' || (command !== undefined && HELP_FLAGS.has(command))) {
    process.stdout.write(helpText(version));
  } else if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${version}\n`);
  } else if (
    (command === 'serve' || clientCommand !== undefined) &&
    args.some((arg) => HELP_FLAGS.has(arg))
  ) {
    process.stdout.write(helpText(version));
  } else if (command === 'serve') {
    await serve(args, version);
  } else if (clientCommand !== undefined) {
    await runClientCommand(clientCommand, args);
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

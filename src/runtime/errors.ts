/**
 * Errors the operator is expected to fix (a bad setting, a database that cannot be opened, a
 * request a client command could not complete).
 * The CLI prints their one-line message, never a stack trace, and exits with `exitCode`.
 */
export abstract class StartupError extends Error {
  abstract readonly exitCode: number;

  constructor(message: string, options?: ErrorOptions) {
    // One line, whatever the cause said: the CLI prints `ees: <message>` and nothing else.
    super(message.replace(/\s*\n\s*/g, ' '), options);
  }
}

/** A setting (environment variable, flag or database URL) that is invalid. Exit code 2. */
export class ConfigError extends StartupError {
  override readonly name = 'ConfigError';
  readonly exitCode = 2;
}

/** A valid setting the runtime could not act on: a store that cannot be opened. Exit code 1. */
export class StoreOpenError extends StartupError {
  override readonly name = 'StoreOpenError';
  readonly exitCode = 1;
}

/** The server could not listen on the configured host and port (in use, not permitted). */
export class ListenError extends StartupError {
  override readonly name = 'ListenError';
  readonly exitCode = 1;
}

/**
 * A client command (`ees append`, `read`, `tail`, `stats`) the server refused or could not be
 * reached for. Exit code 1; a bad command line is a `ConfigError` (exit code 2).
 */
export class RequestFailedError extends StartupError {
  override readonly name = 'RequestFailedError';
  readonly exitCode = 1;
}

/** `ees copy` could not go on: the target is not a copy of the source, or a store failed. */
export class CopyFailedError extends StartupError {
  override readonly name = 'CopyFailedError';
  readonly exitCode = 1;
}

/**
 * A client command interrupted by Ctrl-C (SIGINT) or SIGTERM before it was done: it says
 * `interrupted` and exits with 128 + the signal's number, as a shell reports a process the
 * signal ended (130 for SIGINT, 143 for SIGTERM). `ees tail` once tailing is not interrupted
 * but ended: Ctrl-C is how it stops, and it exits 0.
 */
export class InterruptedError extends StartupError {
  override readonly name = 'InterruptedError';
  readonly exitCode: number;

  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super('interrupted');
    this.exitCode = signal === 'SIGINT' ? 130 : 143;
  }
}

export const isStartupError = (error: unknown): error is StartupError =>
  error instanceof StartupError;

/** The message of anything thrown, for one-line reports. */
export const describeError = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');

/**
 * The report of an error nobody expected, which means a bug: unlike the one-line reports of
 * expected errors it keeps the stack, since that is what fixes it.
 */
export const describeUnexpected = (error: unknown): string =>
  `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;

import { parseArgs } from 'node:util';
import type { EventStoreClient, Fetch } from '../../client/index.js';
import { createClient } from '../../client/index.js';
import { ConfigError, describeError } from '../errors.js';

/** Everything a client command reads and writes, handed over by the CLI entry point. */
export interface CommandContext {
  /** The arguments after the command's name. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes to standard output. */
  readonly write: (text: string) => void;
  /** Reports one line on standard error (a lost connection while tailing, say). */
  readonly report: (line: string) => void;
  /** All of standard input, for `ees append ... -`. */
  readonly readStdin: () => Promise<string>;
  /**
   * Aborted on Ctrl-C (SIGINT) or SIGTERM, with the `InterruptedError` to exit with as its
   * reason: passed to every request, it ends a one-shot command at once, and ends `ees tail`.
   */
  readonly signal: AbortSignal;
  /** The `fetch` the client uses; the global one by default. */
  readonly fetch?: Fetch;
}

/** A client command: resolves when done, throws a `StartupError` to exit with its code. */
export type ClientCommand = (context: CommandContext) => Promise<void>;

export const DEFAULT_URL = 'http://127.0.0.1:3000';

/** A command's flags: each takes a value, or is a switch. */
type FlagSpecs = Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;

/** The parsed flags: a string for a flag with a value, `true` for a switch that is given. */
type FlagValues<F extends FlagSpecs> = {
  readonly [K in keyof F]?: F[K]['type'] extends 'string' ? string : boolean;
};

/** The flags every client command takes. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies FlagSpecs;

/**
 * Parses a command's arguments against exactly `flags`; any problem is a usage error (exit
 * code 2).
 */
export function parseFlags<const F extends FlagSpecs>(
  command: string,
  args: readonly string[],
  flags: F,
): { values: FlagValues<F>; positionals: string[] } {
  try {
    const { values, positionals: rest } = parseArgs({
      args: [...args],
      options: flags,
      strict: true,
      allowPositionals: true,
    });
    // parseArgs checked every value against its flag's type.
    return { values, positionals: rest };
  } catch (error) {
    throw new ConfigError(`${command}: ${describeError(error)}; see "ees --help"`, {
      cause: error,
    });
  }
}

/** A client command's arguments: its own flags and those that reach the server. */
export const parseCommandLine = <const F extends FlagSpecs>(
  command: string,
  args: readonly string[],
  flags: F,
): { values: FlagValues<typeof CONNECTION_OPTIONS & F>; positionals: string[] } =>
  parseFlags(command, args, { ...CONNECTION_OPTIONS, ...flags });

/** An empty variable counts as unset, as in the `VAR= command` idiom. */
const fromEnv = (env: CommandContext['env'], name: string): string | undefined =>
  env[name] === '' ? undefined : env[name];

/**
 * The client for `--url` (else `EES_URL`, else the local default) and `--token` (else
 * `EES_TOKEN`).
 */
export function clientFor(
  context: CommandContext,
  flags: { readonly url?: string | undefined; readonly token?: string | undefined },
): { client: EventStoreClient; url: string } {
  const url = flags.url ?? fromEnv(context.env, 'EES_URL') ?? DEFAULT_URL;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new ConfigError(`invalid server URL "${url}": expected http://host:port or https://...`);
  }
  const client = createClient({
    url,
    token: flags.token ?? fromEnv(context.env, 'EES_TOKEN'),
    fetch: context.fetch,
  });
  return { client, url };
}

/** A flag's value as a non-negative integer, or a usage error naming the flag. */
export function integerFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new ConfigError(`invalid --${name} value "${value}": expected a non-negative integer`);
  }
  return Number(value);
}

/** Exactly the positional arguments the usage line names, or a usage error. */
export function positionals(
  command: string,
  values: readonly string[],
  names: readonly string[],
  optional = 0,
): (string | undefined)[] {
  const required = names.length - optional;
  if (values.length < required || values.length > names.length) {
    const missing = names[values.length];
    throw new ConfigError(
      values.length < required && missing !== undefined
        ? `${command}: missing ${missing}; see "ees --help"`
        : `${command}: unexpected argument "${values[names.length] ?? ''}"; see "ees --help"`,
    );
  }
  return names.map((_, index) => values[index]);
}

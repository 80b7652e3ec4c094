import { parseArgs } from 'node:util';
import { ConfigError, describeError } from './errors.js';
import { redactPassword } from './redact.js';
import type { Config, Setting } from './settings.js';
import { SETTINGS } from './settings.js';

export type { Config } from './settings.js';
export { SETTINGS } from './settings.js';

/** The flags of `ees serve` in the shape `parseArgs` wants; a switch takes no value. */
const FLAG_OPTIONS = Object.fromEntries(
  SETTINGS.map((s: Setting) => [
    s.flag,
    { type: s.placeholder === undefined ? ('boolean' as const) : ('string' as const) },
  ]),
);

function parseFlags(argv: readonly string[]): Record<string, string | undefined> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: FLAG_OPTIONS,
      strict: true,
      allowPositionals: false,
    });
    // A switch given is `true`, read by its setting as its variable would be.
    return Object.fromEntries(
      Object.entries(values).map(([flag, value]) => [
        flag,
        typeof value === 'boolean' ? String(value) : value,
      ]),
    );
  } catch (error) {
    throw new ConfigError(describeError(error), { cause: error });
  }
}

/** Reads one setting from a flag, else the environment, else its default. */
function resolveSetting<K extends keyof Config>(
  setting: Setting<K>,
  env: Readonly<Record<string, string | undefined>>,
  flags: Record<string, string | undefined>,
): Config[K] {
  const flag = flags[setting.flag];
  // An empty variable counts as unset, as in most shells' `VAR= command` idiom.
  const fromEnv = env[setting.env] === '' ? undefined : env[setting.env];
  const [source, raw] =
    flag !== undefined
      ? [`--${setting.flag}`, flag]
      : fromEnv !== undefined
        ? [setting.env, fromEnv]
        : ['the default', setting.defaultText];
  const parsed = setting.parse(raw);
  if ('reason' in parsed) {
    // A secret is never repeated; a database URL without its password.
    const value = setting.secret === true ? '' : ` ${JSON.stringify(redactPassword(raw))}`;
    throw new ConfigError(`invalid ${source} value${value}: ${parsed.reason}`);
  }
  return parsed.value;
}

/**
 * Combines defaults, environment variables and `ees serve` flags (flags win) into a `Config`.
 * Pure: the CLI hands it `process.env` and the arguments after `serve`; nothing else in the
 * package reads the environment.
 *
 * @throws ConfigError with a one-line message naming the variable or flag and the bad value.
 * @example
 * resolveConfig({ PORT: '8080' }, ['--stats-interval', '0.5']);
 * // → { port: 8080, host: '127.0.0.1', statsIntervalMs: 500, ... }
 */
export function resolveConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[],
): Config {
  const flags = parseFlags(argv);
  const entries = SETTINGS.map((s: Setting) => [s.key, resolveSetting(s, env, flags)]);
  // Each entry's value was parsed by its own setting, so the object is a complete Config.
  const config = Object.fromEntries(entries) as Config;
  // Each subscription holds a connection: with no connection left over, a server full of
  // subscribers could answer nothing else.
  if (config.maxConnections <= config.maxSubscribers) {
    throw new ConfigError(
      `--max-connections (${config.maxConnections}) must be above --max-subscribers (${config.maxSubscribers}): each subscription holds a connection`,
    );
  }
  return config;
}

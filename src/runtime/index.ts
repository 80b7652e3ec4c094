// The Node runtime's public face. `cli.ts` is deliberately absent: importing it starts the CLI.
export { resolveConfig, SETTINGS } from './config.js';
export type { Config } from './config.js';
export type { Setting } from './settings.js';
export {
  ConfigError,
  ListenError,
  StartupError,
  StoreOpenError,
  isStartupError,
} from './errors.js';
export { helpText } from './help.js';
export { isLoopback, resolveApiTokens, timingSafeTokenEquals } from './access.js';
export { parseTokenFile, parseTokenList } from './tokens.js';
export { copyStore, CopyMismatchError } from './copy.js';
export type { CopyOptions, CopyProgress, CopyResult } from './copy.js';
export { startServer } from './server.js';
export type { RunningServer, ServerOptions } from './server.js';
export { openStore, STORE_OPENERS } from './stores.js';
export { readPackageVersion } from './version.js';

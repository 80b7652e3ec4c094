/**
 * Elastic Event Store: the public API of the package. The HTTP server is the `ees` command;
 * these exports embed the same parts in another program.
 */
export * from './core/index.js';
export { createApp, DEFAULT_LIMITS } from './http/index.js';
export type { AppOptions, Limits } from './http/index.js';
export { createMemoryStore } from './stores/memory/index.js';
export type { MemoryStoreOptions } from './stores/memory/index.js';
export { openSqliteStore } from './stores/sqlite/index.js';
export type { SqliteStoreOptions } from './stores/sqlite/index.js';
export { catchUpStatistics, startStatisticsProjector } from './projections/index.js';
export { copyStore, CopyMismatchError, openStore, startServer } from './runtime/index.js';
export type { CopyOptions, CopyProgress, CopyResult } from './runtime/index.js';

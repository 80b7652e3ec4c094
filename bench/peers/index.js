/**
 * The peer event stores that bench/emmett.js measures beside elastic-event-store, imported from
 * here so that they resolve from this package's own node_modules (`npm ci --prefix bench/peers`),
 * never from the main package's.
 */
export { dumbo } from '@event-driven-io/dumbo';
export {
  getPostgreSQLEventStore,
  readMessagesBatch as readPostgreSQLMessagesBatch,
} from '@event-driven-io/emmett-postgresql';
export {
  getSQLiteEventStore,
  readMessagesBatch as readSQLiteMessagesBatch,
  sqliteConnection,
} from '@event-driven-io/emmett-sqlite';

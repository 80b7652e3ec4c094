import type { Database } from 'better-sqlite3';
import type { Migration } from './migrations/index.js';

const CREATE_SCHEMA_MIGRATIONS = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT    NOT NULL
  ) STRICT
`;

/**
 * Brings the schema up to the newest migration. Each migration runs in its own
 * `BEGIN IMMEDIATE` transaction and re-checks `schema_migrations` after taking the write lock,
 * so two connections opening one file at once apply each migration exactly once: the second
 * waits (busy timeout) and then finds it applied. DDL is transactional in SQLite, so a failed
 * migration leaves no half-built schema behind.
 *
 * Refuses a database that a newer release has migrated further than this one knows: its
 * schema may not mean what this code expects.
 */
export function migrate(db: Database, migrations: readonly Migration[], clock: () => Date): void {
  const latest = migrations.at(-1)?.version ?? 0;

  db.transaction(() => {
    db.exec(CREATE_SCHEMA_MIGRATIONS);
  }).immediate();

  const newestApplied = db.prepare<[], { version: number | null }>(
    'SELECT MAX(version) AS version FROM schema_migrations',
  );
  const isApplied = db.prepare<[number], { version: number }>(
    'SELECT version FROM schema_migrations WHERE version = ?',
  );
  const record = db.prepare<[number, string]>(
    'INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)',
  );

  const applied = newestApplied.get()?.version ?? 0;
  if (applied > latest) {
    throw new Error(
      `The database schema is at version ${applied}, newer than this release knows (${latest}). Upgrade elastic-event-store.`,
    );
  }

  for (const migration of migrations) {
    db.transaction(() => {
      if (isApplied.get(migration.version) !== undefined) return;
      db.exec(migration.sql);
      record.run(migration.version, clock().toISOString());
    }).immediate();
  }
}

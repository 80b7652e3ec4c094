import type { Pool, PoolClient } from 'pg';
import { lockArguments, migrationLock } from './advisory-locks.js';
import type { Migration } from './migrations/index.js';
import type { SchemaName } from './schema-name.js';
import { withTransaction } from './transaction.js';

const createSchemaMigrations = ({ quoted: s }: SchemaName): string => `
  CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
    version    integer     PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  )
`;

/**
 * Creates the schema unless it exists. Looked up first because `CREATE SCHEMA IF NOT EXISTS`
 * checks the CREATE privilege on the database before it checks existence: on a managed
 * database where an administrator created the schema for a less privileged user, it would fail.
 */
async function ensureSchema(
  client: PoolClient,
  schema: SchemaName,
  create: boolean,
): Promise<void> {
  const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema.name]);
  if (found.rowCount !== 0) return;
  if (!create) throw new Error(`The schema "${schema.name}" does not exist.`);
  await client.query(`CREATE SCHEMA ${schema.quoted}`);
}

/**
 * Brings the schema up to the newest migration, in one transaction that first takes an advisory
 * lock on the schema: instances starting at once migrate one after the other, and each later one
 * finds the work done. DDL is transactional in PostgreSQL, so a failed migration leaves no
 * half-built schema behind.
 *
 * The transaction is READ COMMITTED whatever the database's default: every statement then reads
 * a fresh snapshot, so the reads after the lock see what the instance that held it committed.
 * (Under REPEATABLE READ the snapshot would date from the lock statement's start, before the
 * wait, and the second instance would try to create what the first already had.)
 *
 * Refuses a schema that a newer release has migrated further than this one knows: it may not
 * mean what this code expects; and, without `create`, a schema that does not exist.
 */
export async function migrate(
  pool: Pool,
  schema: SchemaName,
  migrations: readonly Migration[],
  { create = true }: { readonly create?: boolean } = {},
): Promise<void> {
  const latest = migrations.at(-1)?.version ?? 0;
  await withTransaction(pool, 'BEGIN ISOLATION LEVEL READ COMMITTED', async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(${lockArguments(migrationLock(schema))})`);
    await ensureSchema(client, schema, create);
    await client.query(createSchemaMigrations(schema));
    const applied = await client.query<{ version: number }>(
      `SELECT version FROM ${schema.quoted}.schema_migrations ORDER BY version`,
    );
    const versions = new Set(applied.rows.map((row) => row.version));
    const newest = Math.max(0, ...versions);
    if (newest > latest) {
      throw new Error(
        `The schema "${schema.name}" is at version ${newest}, newer than this release knows (${latest}). Upgrade elastic-event-store.`,
      );
    }
    for (const migration of migrations) {
      if (versions.has(migration.version)) continue;
      await client.query(migration.sql(schema));
      await client.query(`INSERT INTO ${schema.quoted}.schema_migrations (version) VALUES ($1)`, [
        migration.version,
      ]);
    }
  });
}

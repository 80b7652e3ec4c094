import { escapeIdentifier } from 'pg';

/**
 * A PostgreSQL schema name that is safe to splice into SQL: validated, then quoted. Every
 * statement names its tables through `quoted` (`"ees".changesets`) instead of relying on
 * `search_path`, so the store works through poolers that drop startup options and never
 * touches a same-named table in another schema.
 */
export interface SchemaName {
  /** As given, for catalog lookups (`pg_namespace.nspname`) and messages. */
  readonly name: string;
  /** Double-quoted, for SQL text. Quoting keeps the case: `MySchema` stays `MySchema`. */
  readonly quoted: string;
}

/**
 * Letters, digits and underscores, not starting with a digit, at most 63 bytes (PostgreSQL
 * truncates longer identifiers, so two long names could silently meet in one schema).
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** @throws Error with a one-line message for a name this store does not accept. */
export function schemaName(name: string): SchemaName {
  if (!IDENTIFIER.test(name)) {
    throw new Error(
      `Invalid PostgreSQL schema name "${name}": use 1 to 63 letters, digits or underscores, not starting with a digit.`,
    );
  }
  // PostgreSQL reserves the prefix for system schemas and refuses to create one.
  if (name.toLowerCase().startsWith('pg_')) {
    throw new Error(`Invalid PostgreSQL schema name "${name}": the "pg_" prefix is reserved.`);
  }
  return { name, quoted: escapeIdentifier(name) };
}

import type { SchemaName } from '../schema-name.js';

/**
 * One step of the schema's history. A released migration is never edited: a database records
 * which versions it has applied and would not notice the change; fix forward with a new one.
 */
export interface Migration {
  /** 1, 2, 3 ... in the order they must run. */
  readonly version: number;
  readonly name: string;
  /** The DDL for the store's schema; runs inside the migration transaction. */
  readonly sql: (schema: SchemaName) => string;
}

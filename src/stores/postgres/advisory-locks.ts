import type { SchemaName } from './schema-name.js';

/**
 * The two-key form of PostgreSQL advisory locks: `(purpose, schema)`. The first key says what
 * is locked, the second which schema, so two stores in different schemas of one database never
 * wait for each other (a hash collision only makes them take turns, which is harmless).
 */
export interface AdvisoryLock {
  readonly purpose: number;
  readonly schema: number;
}

/** "EES" followed by a purpose number: distinctive, so other applications' keys rarely meet ours. */
const PURPOSE = { migrations: 0x45455301, indexer: 0x45455302, lease: 0x45455303 } as const;

/** 32-bit FNV-1a of the UTF-8 bytes, as a signed int4. Stable across releases and processes. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

const lockFor = (purpose: keyof typeof PURPOSE, schema: SchemaName): AdvisoryLock => ({
  purpose: PURPOSE[purpose],
  schema: fnv1a32(schema.name),
});

/** Held while migrating, so instances starting at once migrate one after another. */
export const migrationLock = (schema: SchemaName): AdvisoryLock => lockFor('migrations', schema);

/** Held by the one indexer pass that may assign checkpoints at a time. */
export const indexerLock = (schema: SchemaName): AdvisoryLock => lockFor('indexer', schema);

/** Held by the instance running a named background job (see `EventStore.runExclusive`). */
export const leaseLock = (schema: SchemaName, name: string): AdvisoryLock => ({
  purpose: PURPOSE.lease,
  schema: fnv1a32(`${schema.name}\u0000${name}`),
});

/**
 * The LISTEN/NOTIFY channel on which indexer passes announce new checkpoints, one per schema
 * (channel names are identifiers of at most 63 bytes, so the schema is hashed in).
 */
export const changesChannel = (schema: SchemaName): string =>
  `ees_changes_${(fnv1a32(schema.name) >>> 0).toString(16)}`;

/** The lock's keys as SQL literals: they are integers we computed, never user input. */
export const lockArguments = (lock: AdvisoryLock): string => `${lock.purpose}, ${lock.schema}`;

/** Bounds the HTTP app enforces before anything reaches a store. */
export interface Limits {
  /**
   * Largest changeset accepted, in UTF-8 bytes of its events and metadata serialised as JSON.
   * Defaults to 400 KiB, DynamoDB's item limit, so a changeset accepted by one store is
   * accepted by every store.
   */
  readonly maxChangesetBytes: number;
  /**
   * Most changesets one page of the global enumeration returns, whatever `limit` asks for: a
   * shorter page is valid (`next_checkpoint` says where to continue) and keeps one request
   * from loading the whole store into memory.
   */
  readonly maxPageSize: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxChangesetBytes: 400 * 1024,
  maxPageSize: 1000,
};

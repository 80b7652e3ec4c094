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
  /**
   * Most bytes of events and metadata one page of the enumeration holds, `GET /changesets` and
   * subscriptions alike: the page ends with the changeset that reaches it (so it always holds
   * one). Default 4 MiB: a thousand changesets of 400 KiB would take 400 MB of memory to serve,
   * and more than API Gateway's 6 MB to send.
   */
  readonly maxPageBytes: number;
  /**
   * Most events in one changeset. Default 1000: every event is a row, an item or an SSE
   * message of its own, so a bound on the count is a bound on the work one commit causes.
   */
  readonly maxEventsPerChangeset: number;
  /**
   * Longest stream id, in UTF-8 bytes. Default 1024: it is part of every key and index entry,
   * and PostgreSQL's B-tree entries and DynamoDB's partition keys have hard limits of their own.
   */
  readonly maxStreamIdBytes: number;
  /**
   * Longest request target (path and query string, percent-encoded as sent). Default 8 KiB,
   * below the 16 KiB Node allows for the request line and headers together, so an overlong URL
   * gets this JSON 414 rather than Node's bare 431.
   */
  readonly maxUrlBytes: number;
  /** Most Server-Sent Events subscriptions served at once by this app. Default 1000. */
  readonly maxSubscribers: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxChangesetBytes: 400 * 1024,
  maxPageSize: 1000,
  maxPageBytes: 4 * 1024 * 1024,
  maxEventsPerChangeset: 1000,
  maxStreamIdBytes: 1024,
  maxUrlBytes: 8 * 1024,
  maxSubscribers: 1000,
};

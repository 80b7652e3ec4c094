/** A JSON object: the shape of every event and of a changeset's metadata. */
export type JsonObject = Record<string, unknown>;

/**
 * A changeset's position in the global enumeration of every stream: integers from 0, gapless,
 * each changeset exactly once, and changeset n of a stream always before changeset n + 1.
 */
export type Checkpoint = number;

/** One atomic commit to a stream, as kept by every store. */
export interface Changeset {
  readonly streamId: string;
  /** 1, 2, 3 ... within the stream. */
  readonly changesetId: number;
  readonly events: readonly JsonObject[];
  readonly metadata: JsonObject;
  /** Commit time, ISO-8601 UTC, from the server's clock. */
  readonly timestamp: string;
  /** Events are numbered 1, 2, 3 ... across a stream's changesets. */
  readonly firstEventId: number;
  readonly lastEventId: number;
  /**
   * Position in the global enumeration. `null` while not assigned yet: stores that index
   * asynchronously (DynamoDB) assign it after the commit is acknowledged.
   */
  readonly checkpoint: Checkpoint | null;
}

/** A changeset that the global enumeration has reached. */
export type IndexedChangeset = Changeset & { readonly checkpoint: Checkpoint };

/**
 * An enumerated changeset whose events and metadata are left as JSON text, exactly as
 * `JSON.stringify` writes the parsed values, for readers that pass them on without looking
 * inside (the enumeration over HTTP, the changeset push channel).
 */
export type IndexedChangesetText = Pick<
  IndexedChangeset,
  'streamId' | 'changesetId' | 'checkpoint'
> & {
  /** `JSON.stringify(events)`. */
  readonly eventsJson: string;
  /** `JSON.stringify(metadata)`. */
  readonly metadataJson: string;
};

/** One event of a stream with its position. */
export interface StreamEvent {
  readonly changesetId: number;
  readonly eventId: number;
  readonly data: JsonObject;
}

/** Where a stream stands: both 0 for a stream that does not exist yet. */
export interface StreamHead {
  readonly lastChangesetId: number;
  readonly lastEventId: number;
}

export const EMPTY_STREAM: StreamHead = { lastChangesetId: 0, lastEventId: 0 };

/** An inclusive range; a missing bound is open. */
export interface Range {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

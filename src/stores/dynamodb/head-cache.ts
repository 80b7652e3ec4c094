import type { StreamHead } from '../../core/index.js';

/** Streams whose heads one store remembers; beyond that the least recently used are dropped. */
export const DEFAULT_HEAD_CACHE_SIZE = 10_000;

/**
 * The stream heads this store has seen, so that a commit can compute its changeset and event
 * ids without reading the stream first, and commit in one request.
 *
 * Safe because heads only grow (changesets are never deleted): a remembered head is the real one
 * or behind it, never ahead. A commit computed from a head that is behind puts a changeset id
 * that already exists, and its `attribute_not_exists` condition fails: a stale entry can cost a
 * request, never a wrong write. (Restoring the table from a backup under the same name breaks
 * the premise: restart the processes that use it.)
 */
export class HeadCache {
  readonly #heads = new Map<string, StreamHead>();

  constructor(readonly capacity: number = DEFAULT_HEAD_CACHE_SIZE) {}

  get(streamId: string): StreamHead | undefined {
    const head = this.#heads.get(streamId);
    if (head !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as recently used.
      this.#heads.delete(streamId);
      this.#heads.set(streamId, head);
    }
    return head;
  }

  /** Records a head that was observed; an older observation never replaces a newer one. */
  observe(streamId: string, head: StreamHead): void {
    const known = this.#heads.get(streamId);
    if (known !== undefined && known.lastChangesetId >= head.lastChangesetId) return;
    this.#heads.delete(streamId);
    this.#heads.set(streamId, head);
    if (this.#heads.size > this.capacity) {
      const oldest = this.#heads.keys().next();
      if (oldest.done !== true) this.#heads.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#heads.size;
  }
}

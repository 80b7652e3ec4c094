import type { EventStore, StoreCapabilities } from '../core/index.js';
import { readGlobalText } from '../core/index.js';

/**
 * Memoises an asynchronous resource: the first call opens it, later calls share that promise.
 * A failed open is forgotten, so the next invocation of a warm Lambda tries again instead of
 * failing forever on a transient error seen once at cold start.
 */
export function lazily<T>(open: () => Promise<T>): () => Promise<T> {
  let opening: Promise<T> | undefined;
  return () => {
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
}

/**
 * A store that opens on its first use. The Lambda entry points build the app at cold start but
 * touch DynamoDB only when a request needs the store: `GET /version` answers without a
 * network call, and a table that cannot be reached at cold start is retried on the next request.
 *
 * `capabilities` is needed before the store is open, so the caller states it.
 */
export function deferredStore(
  open: () => Promise<EventStore>,
  capabilities: StoreCapabilities,
): EventStore {
  let opened: Promise<EventStore> | undefined;
  const store = lazily(() => (opened = open()));
  return {
    capabilities,
    commit: async (request) => (await store()).commit(request),
    readChangesets: async (streamId, range, maxBytes) =>
      (await store()).readChangesets(streamId, range, maxBytes),
    readEvents: async (streamId, range, maxBytes) =>
      (await store()).readEvents(streamId, range, maxBytes),
    readGlobal: async (checkpoint, limit, maxBytes) =>
      (await store()).readGlobal(checkpoint, limit, maxBytes),
    readGlobalText: async (checkpoint, limit, maxBytes) =>
      readGlobalText(await store(), checkpoint, limit, maxBytes),
    readProjection: async (name) => (await store()).readProjection(name),
    writeProjection: async (name, next, previous) =>
      (await store()).writeProjection(name, next, previous),
    async close() {
      const open = await opened?.catch(() => undefined);
      await open?.close();
    },
  };
}

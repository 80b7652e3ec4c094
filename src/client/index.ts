/**
 * The Elastic Event Store client SDK, exported as `elastic-event-store/client`: a typed method
 * for every endpoint of the HTTP contract and Server-Sent Events subscriptions as async
 * iterables that reconnect and resume by themselves. Only `fetch` and web APIs: it runs in
 * Node 20+ and browsers, and imports nothing from the server side of the package.
 *
 * Wire names are mapped to camelCase: `stream_id` → `streamId`, `changeset_id` →
 * `changesetId`, `event_id` (and a read event's `id`) → `eventId`, `next_checkpoint` →
 * `nextCheckpoint`, `forthcoming_changesets` → `ConcurrencyError.forthcoming`, `total_streams`
 * → `totalStreams`, `total_changesets` → `totalChangesets`, `total_events` → `totalEvents`,
 * `max_stream_length` → `maxStreamLength`, `statistics_version` → `statisticsVersion`; an SSE
 * message's `id` → `position`. Events and metadata are passed through untouched.
 *
 * @example
 * ```ts
 * import { ConcurrencyError, createClient } from 'elastic-event-store/client';
 *
 * const client = createClient({ url: 'http://127.0.0.1:3000' });
 * try {
 *   await client.commit('account-42', { events: [{ type: 'opened' }], expectedLastChangeset: 0 });
 * } catch (error) {
 *   if (error instanceof ConcurrencyError) console.log('already opened', error.forthcoming);
 * }
 * for await (const changeset of client.subscribe({ checkpoint: 0 })) console.log(changeset);
 * ```
 *
 * @module
 */
export { createClient, EventStoreClient } from './client.js';
export type {
  ClientOptions,
  EnumerateOptions,
  GlobalSubscriptionOptions,
  RequestOptions,
  StreamSubscriptionOptions,
} from './client.js';
export { ConcurrencyError, EesClientError, StreamNotFoundError } from './errors.js';
export type { EesClientErrorInit, ErrorCode } from './errors.js';
export { readSseItems, SseParser } from './sse-parser.js';
export type { SseItem } from './sse-parser.js';
export type { ReconnectInfo, SubscriptionOptions } from './subscription.js';
export type { Fetch } from './transport.js';
export type {
  ChangesetMessage,
  CommitInput,
  CommitResult,
  EventMessage,
  GlobalChangeset,
  GlobalPage,
  JsonObject,
  OpenApiDocument,
  Range,
  Statistics,
  StreamChangeset,
  StreamEvent,
} from './types.js';

import type { JsonObject as CoreJsonObject } from '../core/index.js';

/**
 * A JSON object: the shape of every event and of a changeset's metadata.
 *
 * @example
 * ```ts
 * const event: JsonObject = { type: 'deposited', amount: 10 };
 * ```
 */
export type JsonObject = CoreJsonObject;

/**
 * A changeset as a stream read or a concurrency conflict returns it. Wire:
 * `{"changeset_id", "events", "metadata"}`.
 *
 * @example
 * ```ts
 * const [first] = await client.readChangesets('account-42');
 * console.log(first?.changesetId, first?.events, first?.metadata);
 * ```
 */
export interface StreamChangeset {
  /** 1, 2, 3 ... within the stream. */
  readonly changesetId: number;
  readonly events: JsonObject[];
  /** `{}` when the commit gave none. */
  readonly metadata: JsonObject;
}

/**
 * A changeset of the global enumeration. Wire: `{"stream_id", "changeset_id", "events",
 * "metadata", "checkpoint"}`.
 *
 * @example
 * ```ts
 * const page = await client.readGlobal({ checkpoint: 0 });
 * for (const changeset of page.changesets) console.log(changeset.checkpoint, changeset.streamId);
 * ```
 */
export interface GlobalChangeset extends StreamChangeset {
  readonly streamId: string;
  /** Position in the global enumeration: from 0, gapless, repeatable. */
  readonly checkpoint: number;
}

/**
 * One event of a stream read. Wire: `{"id", "data"}` (the event number is `id` on the wire).
 *
 * @example
 * ```ts
 * for (const event of await client.readEvents('account-42', { from: 3 })) {
 *   console.log(event.eventId, event.data);
 * }
 * ```
 */
export interface StreamEvent {
  /** 1, 2, 3 ... across all the stream's changesets. */
  readonly eventId: number;
  readonly data: JsonObject;
}

/**
 * What a successful commit returns. Wire: `{"stream_id", "changeset_id"}`.
 *
 * @example
 * ```ts
 * const { changesetId } = await client.commit('account-42', { events: [{ type: 'opened' }] });
 * ```
 */
export interface CommitResult {
  readonly streamId: string;
  /** The number the new changeset got. */
  readonly changesetId: number;
}

/**
 * A commit: its events, optional metadata, and the concurrency expectation. Give at most one
 * of `expectedLastChangeset` and `expectedLastEvent`; with neither the stream must not exist
 * yet (the same as `expectedLastChangeset: 0`).
 *
 * @example
 * ```ts
 * const next: CommitInput = {
 *   events: [{ type: 'deposited', amount: 10 }],
 *   metadata: { user: 'ada' },
 *   expectedLastChangeset: 3,
 * };
 * ```
 */
export type CommitInput = {
  /** Non-empty; each event a JSON object. */
  readonly events: readonly JsonObject[];
  /** Stored as `{}` when omitted. */
  readonly metadata?: JsonObject | undefined;
} & (
  | {
      /** The changeset the stream must end with; `0`: the stream must not exist yet. */
      readonly expectedLastChangeset?: number | undefined;
      readonly expectedLastEvent?: undefined;
    }
  | {
      readonly expectedLastChangeset?: undefined;
      /** The event the stream must end with; `0`: the stream must not exist yet. */
      readonly expectedLastEvent: number;
    }
);

/**
 * An inclusive range of changeset or event numbers; a missing bound is open.
 *
 * @example
 * ```ts
 * const range: Range = { from: 2, to: 5 };
 * ```
 */
export interface Range {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/**
 * One page of the global enumeration. Wire: `{"checkpoint", "limit", "changesets",
 * "next_checkpoint"}`.
 *
 * @example
 * ```ts
 * const page = await client.readGlobal({ checkpoint: 0, limit: 100 });
 * const next = await client.readGlobal({ checkpoint: page.nextCheckpoint, limit: 100 });
 * ```
 */
export interface GlobalPage {
  /** The checkpoint asked for. */
  readonly checkpoint: number;
  /** The limit asked for; the server may return fewer changesets (its page size cap). */
  readonly limit: number;
  readonly changesets: GlobalChangeset[];
  /** Where the next page starts: after the last changeset returned, or `checkpoint` if none. */
  readonly nextCheckpoint: number;
}

/**
 * Totals kept by the server's statistics projector. Wire: `{"total_streams",
 * "total_changesets", "total_events", "max_stream_length", "statistics_version"}`.
 *
 * @example
 * ```ts
 * const statistics = await client.statistics();
 * if (statistics) console.log(`${statistics.totalEvents} events`);
 * ```
 */
export interface Statistics {
  readonly totalStreams: number;
  readonly totalChangesets: number;
  readonly totalEvents: number;
  /** Most changesets in one stream. */
  readonly maxStreamLength: number;
  /** The checkpoint the statistics have reached: how many changesets they count. */
  readonly statisticsVersion: number;
}

/**
 * The server's OpenAPI 3.1 description of itself (`GET /openapi.json`).
 *
 * @example
 * ```ts
 * const document = await client.openapi();
 * console.log(Object.keys(document.paths));
 * ```
 */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly [key: string]: unknown;
  };
  readonly paths: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/**
 * A changeset pushed by a subscription. Wire: the SSE message `event: changeset` with `id:
 * <position>` and the enumeration's changeset as data.
 *
 * @example
 * ```ts
 * for await (const message of client.subscribe({ checkpoint: 0, signal })) {
 *   console.log(message.position, message.streamId, message.changesetId);
 * }
 * ```
 */
export interface ChangesetMessage extends GlobalChangeset {
  /**
   * The message's SSE id: the checkpoint on the global channel, the changeset id on a stream's
   * channel. Pass it as `after` to resume right after this message.
   */
  readonly position: string;
}

/**
 * One event pushed by an event subscription. Wire: the SSE message `event: event` with `id:
 * <position>` and data `{"stream_id", "changeset_id", "event_id", "data", "checkpoint"}`.
 *
 * @example
 * ```ts
 * for await (const message of client.subscribeEvents({ signal })) {
 *   console.log(message.position, message.eventId, message.data);
 * }
 * ```
 */
export interface EventMessage {
  /**
   * The message's SSE id: `<checkpoint>.<index in the changeset>` on the global channel,
   * `<changeset id>.<index>` on a stream's channel. Pass it as `after` to resume right after.
   */
  readonly position: string;
  readonly streamId: string;
  readonly changesetId: number;
  readonly eventId: number;
  readonly data: JsonObject;
  /** The checkpoint of the changeset holding the event. */
  readonly checkpoint: number;
}

import type { JsonObject } from './types.js';
import type {
  ChangesetMessage,
  CommitResult,
  EventMessage,
  GlobalChangeset,
  GlobalPage,
  Statistics,
  StreamChangeset,
  StreamEvent,
} from './types.js';

/*
 * The contract's snake_case bodies, and their mapping to the camelCase results of the client.
 * The server is trusted to send what the contract says: bodies are mapped, not validated.
 */

export interface WireStreamChangeset {
  readonly changeset_id: number;
  readonly events: JsonObject[];
  readonly metadata: JsonObject;
}

export interface WireGlobalChangeset extends WireStreamChangeset {
  readonly stream_id: string;
  readonly checkpoint: number;
}

export interface WireEventMessage {
  readonly stream_id: string;
  readonly changeset_id: number;
  readonly event_id: number;
  readonly data: JsonObject;
  readonly checkpoint: number;
}

export interface WireCommitResult {
  readonly stream_id: string;
  readonly changeset_id: number;
}

export interface WireChangesets {
  readonly stream_id: string;
  readonly changesets: WireStreamChangeset[];
}

export interface WireEvents {
  readonly stream_id: string;
  readonly events: { readonly id: number; readonly data: JsonObject }[];
}

/**
 * The header of `GET /changesets` that repeats the body's `next_checkpoint` ahead of the body
 * (the server's `NEXT_CHECKPOINT_HEADER`; the client keeps its own copy to stay free of server
 * code).
 */
export const NEXT_CHECKPOINT_HEADER = 'EES-Next-Checkpoint';

export interface WireGlobalPage {
  readonly checkpoint: number;
  readonly limit: number;
  readonly changesets: WireGlobalChangeset[];
  readonly next_checkpoint: number;
}

export interface WireStatistics {
  readonly total_streams: number;
  readonly total_changesets: number;
  readonly total_events: number;
  readonly max_stream_length: number;
  readonly statistics_version: number;
}

export const fromWireStreamChangeset = (wire: WireStreamChangeset): StreamChangeset => ({
  changesetId: wire.changeset_id,
  events: wire.events,
  metadata: wire.metadata,
});

export const fromWireGlobalChangeset = (wire: WireGlobalChangeset): GlobalChangeset => ({
  streamId: wire.stream_id,
  ...fromWireStreamChangeset(wire),
  checkpoint: wire.checkpoint,
});

export const fromWireEvent = (wire: WireEvents['events'][number]): StreamEvent => ({
  eventId: wire.id,
  data: wire.data,
});

export const fromWireCommitResult = (wire: WireCommitResult): CommitResult => ({
  streamId: wire.stream_id,
  changesetId: wire.changeset_id,
});

export const fromWireGlobalPage = (wire: WireGlobalPage): GlobalPage => ({
  checkpoint: wire.checkpoint,
  limit: wire.limit,
  changesets: wire.changesets.map(fromWireGlobalChangeset),
  nextCheckpoint: wire.next_checkpoint,
});

export const fromWireStatistics = (wire: WireStatistics): Statistics => ({
  totalStreams: wire.total_streams,
  totalChangesets: wire.total_changesets,
  totalEvents: wire.total_events,
  maxStreamLength: wire.max_stream_length,
  statisticsVersion: wire.statistics_version,
});

export const fromWireChangesetMessage = (
  wire: WireGlobalChangeset,
  position: string,
): ChangesetMessage => ({ position, ...fromWireGlobalChangeset(wire) });

export const fromWireEventMessage = (wire: WireEventMessage, position: string): EventMessage => ({
  position,
  streamId: wire.stream_id,
  changesetId: wire.changeset_id,
  eventId: wire.event_id,
  data: wire.data,
  checkpoint: wire.checkpoint,
});

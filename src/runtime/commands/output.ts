import type {
  ChangesetMessage,
  EventMessage,
  JsonObject,
  Statistics,
  StreamChangeset,
  StreamEvent,
} from '../../client/index.js';

/*
 * How client commands print records. Text is one compact line per changeset or event; `--json`
 * is one JSON object per line in the HTTP API's snake_case shapes, so a script reads the same
 * names as in the contract.
 */

const json = (value: unknown): string => JSON.stringify(value);

const metadataSuffix = (metadata: JsonObject): string =>
  Object.keys(metadata).length === 0 ? '' : `  metadata ${json(metadata)}`;

/** `#2  {"n":3} {"n":4}  metadata {"user":"ada"}`, the id padded to `idWidth`. */
export const changesetText = (changeset: StreamChangeset, idWidth = 0): string =>
  `${`#${changeset.changesetId}`.padEnd(idWidth + 1)}  ${changeset.events.map(json).join(' ')}${metadataSuffix(changeset.metadata)}`;

/** `3  {"n":3}`, the id padded to `idWidth`. */
export const eventText = (event: StreamEvent, idWidth = 0): string =>
  `${String(event.eventId).padEnd(idWidth)}  ${json(event.data)}`;

/** `@5  account-42 #2  {"n":3} {"n":4}`: where it is in the enumeration, then the changeset. */
export const changesetMessageText = (message: ChangesetMessage): string =>
  `@${message.checkpoint}  ${message.streamId} ${changesetText(message)}`;

/** `@5.1  account-42 #2 event 4  {"n":4}`. */
export const eventMessageText = (message: EventMessage): string =>
  `@${message.position}  ${message.streamId} #${message.changesetId} event ${message.eventId}  ${json(message.data)}`;

export const changesetJson = (streamId: string, changeset: StreamChangeset): string =>
  json({
    stream_id: streamId,
    changeset_id: changeset.changesetId,
    events: changeset.events,
    metadata: changeset.metadata,
  });

export const eventJson = (streamId: string, event: StreamEvent): string =>
  json({ stream_id: streamId, event_id: event.eventId, data: event.data });

/** As the SSE channels send it: the enumeration's changeset, with its checkpoint. */
export const changesetMessageJson = (message: ChangesetMessage): string =>
  json({
    stream_id: message.streamId,
    changeset_id: message.changesetId,
    events: message.events,
    metadata: message.metadata,
    checkpoint: message.checkpoint,
  });

export const eventMessageJson = (message: EventMessage): string =>
  json({
    stream_id: message.streamId,
    changeset_id: message.changesetId,
    event_id: message.eventId,
    data: message.data,
    checkpoint: message.checkpoint,
  });

export const statisticsJson = (statistics: Statistics): string =>
  json({
    total_streams: statistics.totalStreams,
    total_changesets: statistics.totalChangesets,
    total_events: statistics.totalEvents,
    max_stream_length: statistics.maxStreamLength,
    statistics_version: statistics.statisticsVersion,
  });

/** A two-column table: labels padded to the longest one. */
export const statisticsText = (statistics: Statistics): string => {
  const rows: [string, string][] = [
    ['streams', String(statistics.totalStreams)],
    ['changesets', String(statistics.totalChangesets)],
    ['events', String(statistics.totalEvents)],
    ['longest stream', `${statistics.maxStreamLength} changesets`],
    ['as of checkpoint', String(statistics.statisticsVersion)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}\n`).join('');
};

import type { JsonObject } from '../../client/index.js';
import { ConfigError } from '../errors.js';
import type { ClientCommand } from './context.js';
import { clientFor, integerFlag, parseCommandLine, positionals } from './context.js';
import { reportingFailures } from './failure.js';

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `append: ${what} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * A JSON array of events, or one event object. Whether the events are acceptable (non-empty,
 * objects) is the server's call, so the answer is the same as for any other client.
 */
function parseEvents(text: string): JsonObject[] {
  const value = parseJson('the events argument', text);
  if (isObject(value)) return [value];
  if (Array.isArray(value)) return value as JsonObject[];
  throw new ConfigError('append: the events must be a JSON array of objects, or one object');
}

/** `--metadata`, a JSON object, if given. */
function metadataOf(text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined;
  const metadata = parseJson('--metadata', text);
  if (!isObject(metadata)) throw new ConfigError('append: --metadata must be a JSON object');
  return metadata;
}

/** The expectation as a commit takes it: a changeset (none: a new stream), or an event. */
type Expectation =
  { readonly expectedLastChangeset: number | undefined } | { readonly expectedLastEvent: number };

function expectationOf(values: {
  readonly 'expected-changeset'?: string | undefined;
  readonly 'expected-event'?: string | undefined;
}): Expectation {
  const changeset = integerFlag('expected-changeset', values['expected-changeset']);
  const event = integerFlag('expected-event', values['expected-event']);
  if (changeset !== undefined && event !== undefined) {
    throw new ConfigError('append: give --expected-changeset or --expected-event, not both');
  }
  return event === undefined ? { expectedLastChangeset: changeset } : { expectedLastEvent: event };
}

/**
 * `ees append <stream> [--expected-changeset N | --expected-event N] [--metadata JSON]
 * <events JSON | ->`: commits one changeset. Without an expectation the stream must not exist
 * yet, as in the HTTP API.
 */
export const append: ClientCommand = async (context) => {
  const { values, positionals: args } = parseCommandLine('append', context.args, {
    'expected-changeset': { type: 'string' },
    'expected-event': { type: 'string' },
    metadata: { type: 'string' },
  });
  const [streamId = '', eventsArgument = ''] = positionals('append', args, [
    '<stream>',
    '<events JSON | ->',
  ]);
  const expectation = expectationOf(values);
  const metadata = metadataOf(values.metadata);
  const { client, url } = clientFor(context, values);
  const events = parseEvents(eventsArgument === '-' ? await context.readStdin() : eventsArgument);
  const result = await reportingFailures(url, () =>
    client.commit(streamId, { events, ...expectation, metadata }, { signal: context.signal }),
  );
  context.write(
    values.json === true
      ? `${JSON.stringify({ stream_id: result.streamId, changeset_id: result.changesetId })}\n`
      : `committed changeset ${result.changesetId} to ${result.streamId}\n`,
  );
};

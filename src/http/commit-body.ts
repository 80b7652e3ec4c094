import type { JsonObject } from '../core/index.js';
import { errors } from '../core/index.js';
import type { Limits } from './limits.js';
import { ChangesetBody } from './schemas.js';

export interface ChangesetInput {
  readonly events: JsonObject[];
  readonly metadata: JsonObject;
}

const utf8 = new TextEncoder();

/** Size of a changeset as stores keep it: its events and metadata serialised as JSON. */
export const changesetBytes = (input: ChangesetInput): number =>
  utf8.encode(JSON.stringify(input.events)).byteLength +
  utf8.encode(JSON.stringify(input.metadata)).byteLength;

/**
 * Deepest nesting of objects and arrays a commit body may have, the body itself counting as
 * one. JSON.parse takes any depth, but JSON.stringify recurses, and runs out of stack a few
 * thousand levels down: sizing the changeset, storing it and serving it again all use it.
 */
const MAX_BODY_NESTING = 1000;

/** Whether valid JSON text nests objects and arrays deeper than `limit`. */
function nestsDeeperThan(json: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const char = json.charCodeAt(i);
    if (inString) {
      // A backslash escapes the character after it, which cannot end the string.
      if (char === 0x5c) i++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b || char === 0x7b) {
      if (++depth > limit) return true;
    } else if (char === 0x5d || char === 0x7d) {
      depth--;
    }
  }
  return false;
}

const describeEventsProblem = (path: readonly PropertyKey[], value: unknown): string => {
  if (path.length < 2) {
    return Array.isArray(value) ? 'the array is empty' : `got ${typeOf(value)}`;
  }
  return `events[${String(path[1])}] is ${typeOf(Array.isArray(value) ? value[Number(path[1])] : undefined)}`;
};

const typeOf = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return value === undefined ? 'missing' : `a ${typeof value}`;
};

/**
 * Parses and checks a commit's body. Every problem is a 4xx with its own error code, raised
 * before anything reaches the store.
 */
export function parseChangesetBody(
  streamId: string,
  text: string,
  limits: Pick<Limits, 'maxChangesetBytes' | 'maxEventsPerChangeset'>,
): ChangesetInput {
  const { maxChangesetBytes, maxEventsPerChangeset } = limits;
  if (text.trim() === '') throw errors.invalidJson(streamId, 'the body is empty');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw errors.invalidJson(streamId, error instanceof Error ? error.message : String(error));
  }
  if (nestsDeeperThan(text, MAX_BODY_NESTING)) {
    throw errors.invalidJson(
      streamId,
      `objects and arrays nest more than ${MAX_BODY_NESTING} levels deep`,
    );
  }
  const parsed = ChangesetBody.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const [field] = issue?.path ?? [];
    const raw = body as Record<string, unknown>;
    if (field === 'events') {
      if (raw.events === undefined) throw errors.missingEvents(streamId);
      throw errors.invalidEvents(streamId, describeEventsProblem(issue?.path ?? [], raw.events));
    }
    if (field === 'metadata') throw errors.invalidMetadata(streamId);
    throw errors.invalidBody(streamId);
  }
  // What JSON.parse produced, now validated, rather than the schema's output: that rebuilds every
  // object by assignment, which turns an own "__proto__" key into the copy's prototype, silently
  // dropping it from the event or metadata.
  const valid = body as { events: JsonObject[]; metadata?: JsonObject };
  const input = { events: valid.events, metadata: valid.metadata ?? {} };
  if (input.events.length > maxEventsPerChangeset) {
    throw errors.tooManyEvents(streamId, input.events.length, maxEventsPerChangeset);
  }
  if (changesetBytes(input) > maxChangesetBytes) {
    throw errors.changesetTooLarge(streamId, 'changeset', maxChangesetBytes);
  }
  return input;
}

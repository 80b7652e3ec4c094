import type { ChangesetJson, JsonObject } from '../core/index.js';
import { errors, utf8Length } from '../core/index.js';
import type { Limits } from './limits.js';
import { findInexactNumber } from './exact-numbers.js';

export interface ChangesetInput {
  readonly events: JsonObject[];
  readonly metadata: JsonObject;
  /** Both serialised, as stores keep them: measured here, then stored as they are. */
  readonly json: ChangesetJson;
}

/**
 * Deepest nesting of objects and arrays a commit body may have, the body itself counting as
 * one. JSON.parse takes any depth, but JSON.stringify recurses, and runs out of stack a few
 * thousand levels down: sizing the changeset, storing it and serving it again all use it.
 */
const MAX_BODY_NESTING = 1000;

/** JSON text is UTF-8 (RFC 8259): bytes that are not are refused, not replaced with U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A commit's body as text: `INVALID_JSON` when its bytes are not UTF-8. A BOM is dropped. */
export function decodeBody(streamId: string, bytes: ArrayBuffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw errors.invalidJson(streamId, 'the body is not UTF-8');
  }
}

/** Whether valid JSON text nests objects and arrays deeper than `limit`. */
function nestsDeeperThan(json: string, limit: number): boolean {
  // Nesting deeper than `limit` takes more than `limit` brackets opened and as many closed:
  // shorter texts (nearly every commit) need no scan.
  if (json.length < 2 * (limit + 1)) return false;
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

const typeOf = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return value === undefined ? 'missing' : `a ${typeof value}`;
};

/** A JSON object: what every event and the metadata must be (not an array, not null). */
const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The contract's shape of a commit body, `{"events": [object, ...], "metadata"?: object}`,
 * checked in that order: the first problem found decides the error. (The OpenAPI document
 * describes the same shape as `ChangesetBody`; a test holds the two to the same verdicts.)
 */
function checkShape(
  streamId: string,
  body: unknown,
): { events: JsonObject[]; metadata: JsonObject } {
  if (!isJsonObject(body)) throw errors.invalidBody(streamId);
  const { events, metadata } = body;
  if (events === undefined) throw errors.missingEvents(streamId);
  if (!Array.isArray(events)) throw errors.invalidEvents(streamId, `got ${typeOf(events)}`);
  if (events.length === 0) throw errors.invalidEvents(streamId, 'the array is empty');
  const bad = events.findIndex((event) => !isJsonObject(event));
  if (bad >= 0) {
    throw errors.invalidEvents(streamId, `events[${bad}] is ${typeOf(events[bad])}`);
  }
  if (metadata !== undefined && !isJsonObject(metadata)) throw errors.invalidMetadata(streamId);
  // What JSON.parse produced, checked in place: nothing is copied, so an own "__proto__" key
  // stays an ordinary key of its event or metadata.
  return { events: events as JsonObject[], metadata: metadata ?? {} };
}

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
  const { events, metadata } = checkShape(streamId, body);
  const inexact = findInexactNumber(text);
  if (inexact !== undefined) {
    const at = inexact.in === 'events' ? `events[${inexact.index}]` : 'metadata';
    throw errors.inexactNumber(streamId, inexact.in, at, inexact.number);
  }
  if (events.length > maxEventsPerChangeset) {
    throw errors.tooManyEvents(streamId, events.length, maxEventsPerChangeset);
  }
  // The size of the changeset as stores keep it: its events and metadata serialised as JSON.
  const json = { events: JSON.stringify(events), metadata: JSON.stringify(metadata) };
  if (utf8Length(json.events) + utf8Length(json.metadata) > maxChangesetBytes) {
    throw errors.changesetTooLarge(streamId, 'changeset', maxChangesetBytes);
  }
  return { events, metadata, json };
}

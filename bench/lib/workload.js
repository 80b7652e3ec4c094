/**
 * What the benchmarks share: the package they measure, the commit workload (changesets of three
 * ~290 B JSON events, written round-robin to many streams) and their command-line options.
 */
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';
import { parseArgs } from 'node:util';

export const PACKAGE = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
);

/** The commit workload: many streams, three ~290 B events per changeset. */
export const CHANGESET_WORKLOAD = {
  streams: 10_000,
  eventsPerChangeset: 3,
  eventBytes: 290,
};

/** One event of about `bytes` bytes of JSON: a plausible domain event, padded to size. */
export function makeEvent(index, bytes) {
  const event = {
    type: 'OrderLineAdded',
    line: index,
    sku: `SKU-${String(index).padStart(6, '0')}`,
    quantity: 2,
    unit_price: { amount: 1999, currency: 'EUR' },
    note: '',
  };
  event.note = 'x'.repeat(Math.max(0, bytes - JSON.stringify(event).length));
  return event;
}

/** The events of every benchmark changeset. */
export const EVENTS = Array.from({ length: CHANGESET_WORKLOAD.eventsPerChangeset }, (_, i) =>
  makeEvent(i, CHANGESET_WORKLOAD.eventBytes),
);

/** The metadata of every benchmark changeset. */
export const METADATA = { source: 'bench' };

/** The body of `POST /streams/{id}` committing the benchmark changeset. */
export const COMMIT_BODY = JSON.stringify({ events: EVENTS, metadata: METADATA });

/**
 * Parses `--json` and the numeric options in `numbers`: option name → `{ default, valid(value),
 * expected }`, `expected` completing "--name must be …". Returns the numbers under camelCase
 * names, and `json`.
 */
export function parseOptions(numbers) {
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(
        Object.entries(numbers).map(([name, spec]) => [
          name,
          { type: 'string', default: spec.default },
        ]),
      ),
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const options = {};
  for (const [name, spec] of Object.entries(numbers)) {
    const raw = values[name];
    const value = Number(raw);
    if (!spec.valid(value)) throw new Error(`--${name} must be ${spec.expected}, got "${raw}"`);
    options[name.replace(/-(\w)/g, (_, letter) => letter.toUpperCase())] = value;
  }
  return { ...options, json: values.json };
}

/** The spec of `--duration`, a positive number of seconds. */
export const durationOption = (defaultSeconds) => ({
  default: defaultSeconds,
  valid: (value) => Number.isFinite(value) && value > 0,
  expected: 'a positive number of seconds',
});

/** The spec of a positive integer option. */
export const positiveIntegerOption = (defaultValue) => ({
  default: defaultValue,
  valid: (value) => Number.isInteger(value) && value > 0,
  expected: 'a positive integer',
});

/** The middle value (the mean of the two middle ones for an even count). */
export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

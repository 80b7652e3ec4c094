import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describePostgres,
  dropSchemas,
  uniqueSchema,
  withAdmin,
} from '../stores/postgres-database.js';
import type { EesProcess } from './cli-process.js';
import { listeningUrl, runEes } from './cli-process.js';
import { databaseUrl, stop } from './postgres-process.js';

/*
 * Crash safety of a real `ees serve` process. Concurrent HTTP writers commit to a set of streams
 * while the server is SIGKILLed at random moments and restarted on the same database. After each
 * restart, and whatever the moment of the kill:
 *
 * - every acknowledged (200) commit is there, its events and metadata byte for byte as sent;
 * - every changeset there is one that was sent, whole: an acknowledged one, or one whose commit
 *   was in flight when the server died (those may be present or absent, never partial);
 * - everything any read ever showed (a stream read, a 409's forthcoming changesets, the global
 *   enumeration) is still there, unchanged: a server never shows what it could lose;
 * - the global enumeration is gapless from 0, lists every changeset once, keeps each stream's
 *   order, and never renumbers: a checkpoint once served names the same changeset forever.
 *
 * On PostgreSQL the store's database backends serving in-flight commits are also terminated
 * (`pg_terminate_backend`) while the server keeps running; the same invariants must hold.
 *
 * The schedule (kill delays, stream choices, payloads) comes from a seeded PRNG; the seed is
 * printed, and `EES_CRASH_SEED=<seed>` replays it. Thread timing still varies from run to run,
 * so a replay repeats the schedule, not necessarily the exact interleaving.
 */

const SEED = seedFromEnvironment();
console.log(`crash-safety: seed ${SEED} (run with EES_CRASH_SEED=${SEED} to replay this schedule)`);

/** SIGKILLs per store and run. */
const SQLITE_KILLS = 10;
const POSTGRES_KILLS = 10;
/** How long the writers run before each kill, in milliseconds (drawn in this range). */
const WRITE_MS: readonly [number, number] = [300, 800];
const WRITERS = 8;
/** Two streams per writer; writers also stray into each other's, which makes conflicts. */
const STREAMS = 2 * WRITERS;
/** A request that gets no answer this long fails the test instead of hanging it. */
const REQUEST_DEADLINE_MS = 15_000;
/** How long PostgreSQL's indexer may take to enumerate everything after a restart. */
const INDEXER_DEADLINE_MS = 20_000;
/**
 * A guard against a hang, not a timing assertion. The file takes 35 to 50 s on a 2-core machine
 * busy with other work (each `ees serve` start costs about a second of CPU); a busier machine
 * takes longer, which alone must not fail the test.
 */
const TEST_TIMEOUT_MS = 150_000;

function seedFromEnvironment(): number {
  const raw = process.env.EES_CRASH_SEED;
  if (raw === undefined || raw === '') return randomInt(2 ** 31);
  if (!/^[0-9]{1,10}$/.test(raw)) {
    throw new Error(`EES_CRASH_SEED must be a non-negative integer, got "${raw}"`);
  }
  return Number(raw) >>> 0;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** An independent generator, so that one consumer's draws do not shift another's. */
  fork(): Random {
    return new Random(this.int(0, 2 ** 32 - 1));
  }
}

// ---------------------------------------------------------------------------------------------
// Payloads

/** Mostly ASCII, with what JSON must escape and what UTF-8 spells in 2, 3 and 4 bytes. */
const ALPHABET = [
  ...Array.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-_'),
  '"',
  '\\',
  '/',
  '\n',
  '\t',
  '\u0001',
  '\u007f',
  '\u2028',
  'é',
  'ß',
  'Ω',
  '漢',
  '字',
  '😀',
  '🚀',
  '<',
  '&',
];

/** Text of `length` characters drawn from `ALPHABET`. */
function randomText(random: Random, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += random.pick(ALPHABET);
  return text;
}

/** Varied sizes: mostly small, some medium, a few large. */
function randomLength(random: Random): number {
  const roll = random.next();
  if (roll < 0.75) return random.int(0, 100);
  if (roll < 0.97) return random.int(100, 1000);
  return random.int(1000, 16_000);
}

function randomNumber(random: Random): number {
  switch (random.int(0, 3)) {
    case 0:
      return random.int(-1_000_000, 1_000_000);
    case 1:
      return (random.next() - 0.5) * 10 ** random.int(-10, 20);
    case 2:
      return Number.MAX_SAFE_INTEGER - random.int(0, 1000);
    default:
      return random.next();
  }
}

/** Changesets above this are trimmed (the server's default limit is 400 KB). */
const MAX_BODY_BYTES = 300_000;

/**
 * A changeset nobody else could have sent: the nonce names the attempt, and the content is
 * random enough that a truncated or mixed-up copy cannot match it by accident. Built in the
 * order `{events, metadata}`, which is how `contentOf` serialises what the server returns.
 */
function randomChangeset(
  random: Random,
  nonce: string,
): { events: Record<string, unknown>[]; metadata: Record<string, unknown> } {
  const events = Array.from({ length: random.int(1, 5) }, (_, n) => ({
    type: random.pick(['created', 'renamed', 'moved', 'closed']),
    attempt: nonce,
    n,
    text: randomText(random, randomLength(random)),
    number: randomNumber(random),
    flags: [random.chance(0.5), null, random.int(0, 9)],
    nested: { depth: { note: randomText(random, random.int(0, 40)), empty: {}, list: [] } },
  }));
  const metadata = {
    attempt: nonce,
    by: `writer ${nonce}`,
    note: randomText(random, random.int(0, 64)),
  };
  while (events.length > 1 && byteLength({ events, metadata }) > MAX_BODY_BYTES) events.pop();
  return { events, metadata };
}

const byteLength = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/** The exact JSON of a changeset's content, as sent or as read back. */
const contentOf = (changeset: { events: unknown; metadata: unknown }): string =>
  JSON.stringify({ events: changeset.events, metadata: changeset.metadata });

// ---------------------------------------------------------------------------------------------
// HTTP

type Answer =
  | { readonly kind: 'answer'; readonly status: number; readonly text: string | undefined }
  | { readonly kind: 'error'; readonly message: string };

/**
 * `fetch` that never throws: a connection refused or reset (the kill) is an `error` answer.
 * `text` is `undefined` when the status arrived but the body was cut off.
 */
async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
  } catch (error) {
    return { kind: 'error', message: describeFetchError(error) };
  }
  try {
    return { kind: 'answer', status: response.status, text: await response.text() };
  } catch {
    return { kind: 'answer', status: response.status, text: undefined };
  }
}

function describeFetchError(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return `no answer within ${REQUEST_DEADLINE_MS} ms`;
  }
  const cause =
    error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
}

const isTimeout = (answer: Answer): boolean =>
  answer.kind === 'error' && answer.message.startsWith('no answer');

const streamUrl = (url: string, streamId: string): string =>
  `${url}/streams/${encodeURIComponent(streamId)}`;

interface WireChangeset {
  readonly changeset_id: number;
  readonly events: unknown[];
  readonly metadata: unknown;
}

interface WireIndexedChangeset extends WireChangeset {
  readonly stream_id: string;
  readonly checkpoint: number;
}

const errorCode = (text: string | undefined): string => {
  try {
    const body = JSON.parse(text ?? '') as { error?: unknown };
    return typeof body.error === 'string' ? body.error : (text ?? '').slice(0, 80);
  } catch {
    return (text ?? '(body cut off)').slice(0, 80);
  }
};

// ---------------------------------------------------------------------------------------------
// What the test knows about the store

/** Identifies a changeset: its stream and number. */
const keyOf = (streamId: string, changesetId: number): string =>
  JSON.stringify([streamId, changesetId]);
const describeKey = (key: string): string => {
  const [streamId, changesetId] = JSON.parse(key) as [string, number];
  return `changeset ${changesetId} of "${streamId}"`;
};

/** One POST: the changeset it would become if it went in. */
interface Attempt {
  readonly key: string;
  readonly streamId: string;
  readonly changesetId: number;
  readonly nonce: string;
  readonly json: string;
  /** What the writer got, for an attempt whose fate it does not know. */
  outcome: string;
}

interface Head {
  readonly changeset: number;
  readonly event: number;
}

const EMPTY: Head = { changeset: 0, event: 0 };

/** Where the first difference of two strings is, for a readable message. */
function firstDifference(actual: string, expected: string): string {
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  return `${actual.length} chars where ${expected.length} were expected, first difference at ${i}: ${JSON.stringify(actual.slice(i, i + 30))} instead of ${JSON.stringify(expected.slice(i, i + 30))}`;
}

class CrashModel {
  readonly violations: string[] = [];
  /** What must be in the store, byte for byte, and who said so (a 200, a read). */
  readonly durable = new Map<string, { readonly json: string; readonly source: string }>();
  /** Attempts without a 200 or a 409: in flight, cut off, or answered with an error. */
  readonly pending = new Map<string, Attempt[]>();
  /** checkpoint → changeset, as the enumeration first served it. */
  readonly checkpoints: string[] = [];
  inFlight = 0;
  readonly stats = {
    kills: 0,
    acknowledged: 0,
    conflicts: 0,
    inFlightAtKill: 0,
    unresolvedPresent: 0,
    unresolvedAbsent: 0,
    /** How the attempts that got neither a 200 nor a 409 ended, by outcome. */
    failures: new Map<string, number>(),
  };
  readonly streams: readonly string[];

  constructor(readonly label: string) {
    // Some ids need URL encoding: a slash, a space, non-ASCII.
    this.streams = Array.from({ length: STREAMS }, (_, i) =>
      i % 2 === 0 ? `crash-${i}` : `crash/ström ${i}`,
    );
  }

  violation(message: string): void {
    if (this.violations.length < 30) this.violations.push(message);
  }

  begin(streamId: string, changesetId: number, nonce: string, json: string): Attempt {
    const key = keyOf(streamId, changesetId);
    const attempt: Attempt = { key, streamId, changesetId, nonce, json, outcome: 'in flight' };
    const list = this.pending.get(key) ?? [];
    list.push(attempt);
    this.pending.set(key, list);
    this.inFlight++;
    return attempt;
  }

  private settle(attempt: Attempt): void {
    const list = this.pending.get(attempt.key) ?? [];
    const remaining = list.filter((other) => other !== attempt);
    if (remaining.length === 0) this.pending.delete(attempt.key);
    else this.pending.set(attempt.key, remaining);
  }

  acknowledged(attempt: Attempt, text: string | undefined): void {
    this.stats.acknowledged++;
    if (text !== undefined) {
      const body = JSON.parse(text) as Record<string, unknown>;
      if (
        Object.keys(body).length !== 2 ||
        body.stream_id !== attempt.streamId ||
        body.changeset_id !== attempt.changesetId
      ) {
        this.violation(`200 for ${describeKey(attempt.key)} answered ${text}`);
      }
    }
    this.settle(attempt);
    this.observe(
      attempt.streamId,
      attempt.changesetId,
      attempt.json,
      `the 200 to ${attempt.nonce}`,
    );
  }

  rejected(attempt: Attempt, text: string | undefined): void {
    this.stats.conflicts++;
    this.settle(attempt);
    if (text === undefined) return;
    const body = JSON.parse(text) as { error?: string; forthcoming_changesets?: WireChangeset[] };
    const forthcoming = body.forthcoming_changesets ?? [];
    if (body.error !== 'OPTIMISTIC_CONCURRENCY_EXCEPTION' || forthcoming[0] === undefined) {
      this.violation(`409 for ${describeKey(attempt.key)}: ${text.slice(0, 200)}`);
      return;
    }
    forthcoming.forEach((changeset, index) => {
      if (changeset.changeset_id !== attempt.changesetId + index) {
        this.violation(
          `409 for ${describeKey(attempt.key)} lists changeset ${changeset.changeset_id} at position ${index}`,
        );
      }
      this.observe(attempt.streamId, changeset.changeset_id, contentOf(changeset), 'a 409');
    });
  }

  /** Neither 200 nor 409: the commit may or may not have gone in. */
  failed(attempt: Attempt, outcome: string): void {
    attempt.outcome = outcome;
    this.stats.failures.set(outcome, (this.stats.failures.get(outcome) ?? 0) + 1);
  }

  /** The server showed this content under this number: it must stay so. */
  observe(streamId: string, changesetId: number, json: string, source: string): void {
    const key = keyOf(streamId, changesetId);
    const known = this.durable.get(key);
    if (known === undefined) {
      this.durable.set(key, { json, source });
    } else if (known.json !== json) {
      this.violation(
        `${describeKey(key)} as ${source} showed it differs from what ${known.source} showed: ${firstDifference(json, known.json)}`,
      );
    }
  }

  /** The enumeration served this changeset at this checkpoint: it must stay so. */
  enumerated(changeset: WireIndexedChangeset, source: string): void {
    const key = keyOf(changeset.stream_id, changeset.changeset_id);
    const { checkpoint } = changeset;
    const earlier = this.checkpoints[checkpoint];
    if (earlier === undefined && checkpoint === this.checkpoints.length) {
      this.checkpoints.push(key);
    } else if (earlier === undefined) {
      this.violation(`${source} served checkpoint ${checkpoint} before ${this.checkpoints.length}`);
    } else if (earlier !== key) {
      this.violation(
        `checkpoint ${checkpoint} was ${describeKey(earlier)}, ${source} says ${describeKey(key)}`,
      );
    }
    this.observe(changeset.stream_id, changeset.changeset_id, contentOf(changeset), source);
  }

  /** Fails with every violation found so far, once: a later check starts afresh. */
  expectNone(when: string): void {
    const found = this.violations.splice(0);
    expect(found, `${this.label}, ${when}, seed ${SEED}`).toEqual([]);
  }

  summary(extra: string): string {
    const failures = [...this.stats.failures].map(([outcome, n]) => `${n}× ${outcome}`).join(', ');
    const s = this.stats;
    return `crash-safety ${this.label} (seed ${SEED}): ${s.kills} SIGKILLs, ${s.acknowledged} acknowledged commits, ${s.conflicts} 409s, ${s.inFlightAtKill} commits in flight at the kills, unacknowledged attempts found present ${s.unresolvedPresent} / absent ${s.unresolvedAbsent}, ${this.checkpoints.length} changesets enumerated; failed attempts: ${failures || 'none'}${extra}`;
  }
}

/** Why a stored changeset matches no attempt: a partial copy of one, or something else. */
function explainForeign(json: string, candidates: readonly Attempt[]): string {
  const stored = JSON.parse(json) as { events: unknown[] };
  for (const candidate of candidates) {
    const sent = JSON.parse(candidate.json) as { events: unknown[] };
    if (
      JSON.stringify(sent.events.slice(0, stored.events.length)) === JSON.stringify(stored.events)
    ) {
      return `a partial copy of ${candidate.nonce} (${stored.events.length} of ${sent.events.length} events; ${firstDifference(json, candidate.json)})`;
    }
  }
  const closest = candidates[0];
  return closest === undefined
    ? `nothing unacknowledged was sent for this number (${json.length} chars stored)`
    : `${candidates.length} unacknowledged attempts, none equal: ${firstDifference(json, closest.json)}`;
}

// ---------------------------------------------------------------------------------------------
// Verification, with no writer running

/**
 * Reads every stream and the whole enumeration and checks them against the model. Resolves the
 * pending attempts (present or absent, for good) and returns every stream's head.
 *
 * `trails`: the enumeration may lag the commits (PostgreSQL's indexer), so it is polled until it
 * covers every changeset; otherwise it must be complete at once.
 */
async function verify(
  model: CrashModel,
  url: string,
  trails: boolean,
  random: Random,
): Promise<Map<string, Head>> {
  const found = new Map<string, string>();
  const heads = new Map<string, Head>();
  const answers = await Promise.all(
    model.streams.map((streamId) => request(`${streamUrl(url, streamId)}/changesets`)),
  );
  model.streams.forEach((streamId, s) => {
    const answer = answers[s];
    if (answer?.kind !== 'answer' || answer.text === undefined) {
      throw new Error(`reading "${streamId}" after the restart failed: ${JSON.stringify(answer)}`);
    }
    if (answer.status === 404) {
      heads.set(streamId, EMPTY);
      return;
    }
    if (answer.status !== 200) {
      model.violation(`reading "${streamId}": ${answer.status} ${answer.text.slice(0, 200)}`);
      return;
    }
    const { changesets } = JSON.parse(answer.text) as { changesets: WireChangeset[] };
    let events = 0;
    changesets.forEach((changeset, index) => {
      if (changeset.changeset_id !== index + 1) {
        model.violation(
          `"${streamId}" lists changeset ${changeset.changeset_id} at position ${index + 1}`,
        );
      }
      found.set(keyOf(streamId, changeset.changeset_id), contentOf(changeset));
      events += changeset.events.length;
    });
    heads.set(streamId, { changeset: changesets.length, event: events });
  });

  // Everything acknowledged or ever shown is there, byte for byte...
  for (const [key, { json, source }] of model.durable) {
    const stored = found.get(key);
    if (stored === undefined) {
      model.violation(`${describeKey(key)} (${source}) is gone`);
    } else if (stored !== json) {
      model.violation(`${describeKey(key)} (${source}) changed: ${firstDifference(stored, json)}`);
    }
  }
  // ...and everything there was sent, whole: an unacknowledged attempt, if not acknowledged.
  for (const [key, json] of found) {
    if (model.durable.has(key)) continue;
    const candidates = model.pending.get(key) ?? [];
    const match = candidates.find((attempt) => attempt.json === json);
    if (match === undefined) {
      model.violation(`${describeKey(key)} is ${explainForeign(json, candidates)}`);
      continue;
    }
    model.stats.unresolvedPresent++;
    model.durable.set(key, { json, source: `unacknowledged ${match.nonce} (${match.outcome})` });
  }
  // The rest of the pending attempts are absent, for good: nothing can bring them back now.
  for (const list of model.pending.values()) {
    for (const attempt of list) {
      if (model.durable.get(attempt.key)?.json !== attempt.json) model.stats.unresolvedAbsent++;
    }
  }
  model.pending.clear();

  await verifyEnumeration(model, url, found, trails, random);
  return heads;
}

async function verifyEnumeration(
  model: CrashModel,
  url: string,
  found: ReadonlyMap<string, string>,
  trails: boolean,
  random: Random,
): Promise<void> {
  const seen = new Set<string>();
  const lastOfStream = new Map<string, number>();
  const deadline = Date.now() + INDEXER_DEADLINE_MS;
  let next = 0;
  for (;;) {
    const limit = random.int(100, 1000);
    const answer = await request(`${url}/changesets?checkpoint=${next}&limit=${limit}`);
    if (answer.kind === 'error' || answer.text === undefined) {
      throw new Error(`enumerating after the restart failed: ${JSON.stringify(answer)}`);
    }
    if (answer.status !== 200) {
      model.violation(`GET /changesets?checkpoint=${next}: ${answer.status} ${answer.text}`);
      return;
    }
    const page = JSON.parse(answer.text) as {
      changesets: WireIndexedChangeset[];
      next_checkpoint: number;
    };
    for (const changeset of page.changesets) {
      const key = keyOf(changeset.stream_id, changeset.changeset_id);
      if (changeset.checkpoint !== next) {
        model.violation(
          `the enumeration jumps from checkpoint ${next - 1} to ${changeset.checkpoint}`,
        );
        return;
      }
      if (seen.has(key)) model.violation(`the enumeration lists ${describeKey(key)} twice`);
      seen.add(key);
      const previous = lastOfStream.get(changeset.stream_id) ?? 0;
      if (changeset.changeset_id !== previous + 1) {
        model.violation(
          `the enumeration lists ${describeKey(key)} after changeset ${previous} of its stream`,
        );
      }
      lastOfStream.set(changeset.stream_id, changeset.changeset_id);
      const stored = found.get(key);
      if (stored === undefined) {
        model.violation(`the enumeration lists ${describeKey(key)}, unknown to its stream`);
      } else if (stored !== contentOf(changeset)) {
        model.violation(
          `${describeKey(key)} differs between its stream and the enumeration: ${firstDifference(contentOf(changeset), stored)}`,
        );
      }
      model.enumerated(changeset, 'the enumeration after a restart');
      next++;
    }
    if (page.next_checkpoint !== next) {
      model.violation(`next_checkpoint is ${page.next_checkpoint} after checkpoint ${next - 1}`);
    }
    if (page.changesets.length > 0) continue;
    if (next >= found.size || !trails) break;
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  if (next !== found.size) {
    model.violation(
      `the enumeration holds ${next} changesets, the streams ${found.size}${trails ? ` (after waiting ${INDEXER_DEADLINE_MS} ms for the indexer)` : ''}`,
    );
  }
  if (next < model.checkpoints.length) {
    model.violation(
      `the enumeration shrank: ${model.checkpoints.length} checkpoints before, ${next} now`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Load: writers and a reader of the enumeration

interface Phase {
  readonly url: string;
  stopped: boolean;
}

/**
 * Commits to its streams until the phase stops, tracking their heads; after a 409 or an unknown
 * outcome it re-reads the stream before committing to it again.
 */
async function writer(
  model: CrashModel,
  phase: Phase,
  random: Random,
  name: string,
  initialHeads: ReadonlyMap<string, Head>,
  own: readonly string[],
): Promise<void> {
  const heads = new Map(initialHeads);
  const stale = new Set<string>();
  let sequence = 0;

  /** Reads what was appended after the head this writer knows. */
  const refresh = async (streamId: string): Promise<boolean> => {
    const head = heads.get(streamId) ?? EMPTY;
    const from = head.changeset + 1;
    const answer = await request(`${streamUrl(phase.url, streamId)}/changesets?from=${from}`);
    if (answer.kind === 'error' || answer.text === undefined) {
      if (isTimeout(answer)) model.violation(`re-reading "${streamId}": ${JSON.stringify(answer)}`);
      return false;
    }
    if (answer.status === 404) {
      if (head.changeset > 0) model.violation(`"${streamId}" vanished at ${head.changeset}`);
      heads.set(streamId, EMPTY);
      return true;
    }
    if (answer.status !== 200) return false;
    const { changesets } = JSON.parse(answer.text) as { changesets: WireChangeset[] };
    let { event } = head;
    changesets.forEach((changeset, index) => {
      if (changeset.changeset_id !== from + index) {
        model.violation(`"${streamId}" from ${from} lists ${changeset.changeset_id} at ${index}`);
      }
      model.observe(streamId, changeset.changeset_id, contentOf(changeset), 'a stream read');
      event += changeset.events.length;
    });
    heads.set(streamId, { changeset: head.changeset + changesets.length, event });
    return true;
  };

  while (!phase.stopped) {
    const streamId = random.chance(0.8) ? random.pick(own) : random.pick(model.streams);
    if (stale.has(streamId)) {
      if (!(await refresh(streamId))) {
        await sleep(10);
        continue;
      }
      stale.delete(streamId);
    }
    const head = heads.get(streamId) ?? EMPTY;
    const nonce = `${name}.${sequence++}`;
    const changeset = randomChangeset(random, nonce);
    const json = JSON.stringify(changeset);
    const expectation = random.chance(0.5)
      ? `expected_last_changeset=${head.changeset}`
      : `expected_last_event=${head.event}`;
    const attempt = model.begin(streamId, head.changeset + 1, nonce, json);
    const answer = await request(`${streamUrl(phase.url, streamId)}?${expectation}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json,
    });
    model.inFlight--;
    if (answer.kind === 'error') {
      if (isTimeout(answer)) model.violation(`commit ${nonce}: ${answer.message}`);
      model.failed(attempt, `connection error (${answer.message})`);
      stale.add(streamId);
      await sleep(10);
    } else if (answer.status === 200) {
      model.acknowledged(attempt, answer.text);
      heads.set(streamId, {
        changeset: head.changeset + 1,
        event: head.event + changeset.events.length,
      });
    } else if (answer.status === 409) {
      model.rejected(attempt, answer.text);
      stale.add(streamId);
    } else {
      const outcome = `${answer.status} ${errorCode(answer.text)}`;
      model.failed(attempt, outcome);
      // Heads only come from what the server said: it cannot be behind them.
      if (answer.status === 400) {
        model.violation(`commit ${nonce} with ${expectation}: ${answer.text ?? outcome}`);
      }
      stale.add(streamId);
    }
  }
}

/** Pages through the enumeration while the writers write, as a subscriber catching up would. */
async function enumerationReader(model: CrashModel, phase: Phase, random: Random): Promise<void> {
  let next = model.checkpoints.length;
  while (!phase.stopped) {
    const answer = await request(
      `${phase.url}/changesets?checkpoint=${next}&limit=${random.int(1, 200)}`,
    );
    if (answer.kind === 'error' || answer.text === undefined || answer.status !== 200) {
      if (isTimeout(answer)) model.violation(`enumerating: ${JSON.stringify(answer)}`);
      await sleep(20);
      continue;
    }
    const page = JSON.parse(answer.text) as { changesets: WireIndexedChangeset[] };
    for (const changeset of page.changesets) {
      if (changeset.checkpoint !== next) {
        model.violation(
          `while writing, the enumeration jumped from checkpoint ${next - 1} to ${changeset.checkpoint}`,
        );
        return;
      }
      model.enumerated(changeset, 'the enumeration while writing');
      next++;
    }
    // Paced, so that reading does not starve the writers of the server's time.
    await sleep(random.int(page.changesets.length === 0 ? 20 : 5, 40));
  }
}

/** Starts the writers and the reader; resolves once all of them have stopped. */
function startLoad(
  model: CrashModel,
  phase: Phase,
  random: Random,
  heads: ReadonlyMap<string, Head>,
  cycle: string,
): Promise<unknown> {
  const work = Array.from({ length: WRITERS }, (_, w) =>
    writer(model, phase, random.fork(), `${model.label}.${cycle}.w${w}`, heads, [
      model.streams[2 * w] ?? '',
      model.streams[2 * w + 1] ?? '',
    ]),
  );
  work.push(enumerationReader(model, phase, random.fork()));
  return Promise.all(work);
}

// ---------------------------------------------------------------------------------------------
// The server

/** Every server this file started, so `afterAll` can kill what a failure left running. */
const servers: EesProcess[] = [];

afterAll(async () => {
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
    }
  }
  await Promise.all(servers.map((server) => server.exited));
});

/** Longer than a start ever takes, even on a machine busy with other work. */
const START_DEADLINE_MS = 60_000;

async function startServer(database: string): Promise<{ server: EesProcess; url: string }> {
  const server = runEes(['serve', '--port', '0', '--database-url', database]);
  servers.push(server);
  return { server, url: await listeningUrl(server, START_DEADLINE_MS) };
}

/**
 * Kills the server at random moments while the load runs, restarting it on the same database
 * and verifying everything after each restart. Returns the last server, verified and running.
 */
async function crashCycles(
  model: CrashModel,
  database: string,
  kills: number,
  trails: boolean,
  random: Random,
): Promise<{ server: EesProcess; url: string }> {
  for (let cycle = 0; cycle < kills; cycle++) {
    const { server, url } = await startServer(database);
    const heads = await verify(model, url, trails, random);
    model.expectNone(`after restart ${cycle}`);
    const phase: Phase = { url, stopped: false };
    const load = startLoad(model, phase, random.fork(), heads, `c${cycle}`);
    await sleep(random.int(...WRITE_MS));
    if (server.child.exitCode !== null) {
      model.violation(`the server exited by itself in cycle ${cycle}: ${server.stderr()}`);
    }
    phase.stopped = true;
    model.stats.inFlightAtKill += model.inFlight;
    server.child.kill('SIGKILL');
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    model.stats.kills++;
    await load;
  }
  const restarted = await startServer(database);
  await verify(model, restarted.url, trails, random);
  model.expectNone('after the last restart');
  return restarted;
}

// ---------------------------------------------------------------------------------------------

// The two stores run side by side: most of a cycle is waiting (a server starting, a kill
// landing), and one after the other they would not fit the file's time budget.

describe.concurrent('crash safety: ees serve on SQLite, SIGKILLed while committing', () => {
  let directory = '';
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'ees-crash-'));
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it(
    `keeps every acknowledged commit, whole, and a stable gapless enumeration across ${SQLITE_KILLS} kills`,
    async () => {
      const started = Date.now();
      const model = new CrashModel('sqlite');
      // The default durability: WAL, synchronous=FULL.
      const { server } = await crashCycles(
        model,
        `sqlite:${join(directory, 'ees.db')}`,
        SQLITE_KILLS,
        false,
        new Random(SEED ^ 0x5f1e),
      );
      expect(await stop(server)).toEqual({ code: 0, signal: null });
      console.log(model.summary(`; ${Date.now() - started} ms`));
      expect(model.stats.kills).toBe(SQLITE_KILLS);
      // The kills did land on commits in flight, or this tested little.
      expect(model.stats.inFlightAtKill).toBeGreaterThan(0);
      expect(model.stats.acknowledged).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );
});

describePostgres.concurrent(
  'crash safety: ees serve on PostgreSQL, its backends terminated, then SIGKILLed',
  () => {
    const schema = uniqueSchema('ees_crash');
    const database = databaseUrl(schema);
    const model = new CrashModel('postgres');
    const random = new Random(SEED ^ 0x9a57);
    afterAll(async () => {
      await dropSchemas(schema);
    });

    // In order: the kills start from what the terminations left.
    it(
      'survives the termination of the database backends of in-flight commits and of the indexer',
      { concurrent: false, timeout: TEST_TIMEOUT_MS },
      async () => {
        const started = Date.now();
        const { server, url } = await startServer(database);
        const heads = await verify(model, url, true, random);
        const phase: Phase = { url, stopped: false };
        const load = startLoad(model, phase, random.fork(), heads, 'backends');
        const failedCommits = (): number =>
          [...model.stats.failures.values()].reduce((sum, n) => sum + n, 0);
        const terminated = await terminateBackends(schema, phase, random.fork(), failedCommits);
        await sleep(200);
        phase.stopped = true;
        await load;

        // The server stayed up, still serves, and lost nothing.
        expect(server.child.exitCode).toBeNull();
        expect((await request(`${url}/version`)).kind).toBe('answer');
        await verify(model, url, true, random);
        model.expectNone('after the backend terminations');
        expect(await stop(server)).toEqual({ code: 0, signal: null });

        // How the commits that neither went in nor conflicted ended.
        const failures = [...model.stats.failures];
        console.log(
          `crash-safety postgres backends (seed ${SEED}): terminated ${terminated.queued} backends queued in a commit's INSERT, ${terminated.running} seen running one, ${terminated.indexer} in an indexer pass; ${model.stats.acknowledged} commits acknowledged; the commits that failed: ${failures.map(([outcome, n]) => `${n}× ${outcome}`).join(', ') || 'none'} (found present ${model.stats.unresolvedPresent}, absent ${model.stats.unresolvedAbsent}); ${Date.now() - started} ms`,
        );
        expect(terminated.queued + terminated.running).toBeGreaterThanOrEqual(3);
        expect(failedCommits()).toBeGreaterThan(0);
        // Every commit a termination broke was answered, as the contract says: 503, retry.
        for (const [outcome] of failures) expect(outcome).toBe('503 STORE_UNAVAILABLE');
      },
    );

    it(
      `keeps every acknowledged commit, whole, and a stable gapless enumeration across ${POSTGRES_KILLS} kills`,
      { concurrent: false, timeout: TEST_TIMEOUT_MS },
      async () => {
        const started = Date.now();
        const { server } = await crashCycles(model, database, POSTGRES_KILLS, true, random);
        expect(await stop(server)).toEqual({ code: 0, signal: null });
        console.log(model.summary(`; ${Date.now() - started} ms`));
        expect(model.stats.kills).toBe(POSTGRES_KILLS);
        expect(model.stats.inFlightAtKill).toBeGreaterThan(0);
        expect(model.stats.acknowledged).toBeGreaterThan(0);
      },
    );
  },
);

/**
 * Terminates the backends of this test's server while they run a commit's INSERT (and now and
 * then an indexer pass), until at least 5 were terminated and 3 commits failed for it, or time
 * is up. Only backends of this schema's server qualify: the store's application name, and a
 * statement naming the schema, which no one else uses.
 *
 * A commit's statement takes a millisecond, so a backend seen running one has often finished by
 * the time the termination arrives. Most rounds therefore first hold a SHARE lock on the table
 * for a few milliseconds (reads go on, INSERTs and the indexer's UPDATE queue up) and terminate
 * backends waiting in their statement; the other rounds hit whatever is running.
 */
async function terminateBackends(
  schema: string,
  phase: Phase,
  random: Random,
  failedCommits: () => number,
): Promise<{ queued: number; running: number; indexer: number }> {
  const quoted = `"${schema}"`;
  const terminated = { queued: 0, running: 0, indexer: 0 };
  const deadline = Date.now() + 6000;
  const enough = (): boolean => terminated.queued + terminated.running >= 5 && failedCommits() >= 3;
  await withAdmin(async (client) => {
    while (!enough() && Date.now() < deadline && !phase.stopped) {
      const indexer = random.chance(0.2);
      const hold = random.chance(0.7);
      if (hold) {
        await client.query('BEGIN');
        await client.query(`LOCK TABLE ${quoted}.changesets IN SHARE MODE`);
        await sleep(random.int(20, 60));
      }
      try {
        const { rows } = await client.query<{ pid: number; terminated: boolean }>(
          `SELECT pid, pg_terminate_backend(pid) AS terminated
             FROM pg_stat_activity
            WHERE application_name = 'elastic-event-store'
              AND state = 'active'
              AND pid <> pg_backend_pid()
              AND position($1 in query) > 0
              AND query ~* $2
            LIMIT $3`,
          [quoted, indexer ? 'index_pass' : '^\\s*INSERT\\s+INTO', indexer ? 1 : 2],
        );
        const hits = rows.filter((row) => row.terminated).length;
        if (indexer) terminated.indexer += hits;
        else if (hold) terminated.queued += hits;
        else terminated.running += hits;
      } finally {
        if (hold) await client.query('COMMIT');
      }
      await sleep(random.int(50, 200));
    }
  });
  return terminated;
}

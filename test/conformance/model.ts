import fc from 'fast-check';
import type { Arbitrary, AsyncCommand } from 'fast-check';
import { describe, expect } from 'vitest';
import {
  EMPTY_STREAM,
  NEW_STREAM,
  decideCommit,
  headValue,
  isForthcoming,
  nextCheckpoint,
  sliceEvents,
} from '../../src/core/index.js';
import type {
  Changeset,
  Expectation,
  IndexedChangeset,
  JsonObject,
  Range,
  StreamHead,
} from '../../src/core/index.js';
import type { FeatureSuite, StoreUnderTest } from './harness.js';
import { FC_PATH, FC_SEED } from '../setup/fast-check.js';

/*
 * Model-based test: random sequences of commits and reads run against the store and against a
 * model (a map of stream id to the changesets committed to it), which predicts every answer with
 * the core rules (`decideCommit`, `isForthcoming`, `sliceEvents`). On a divergence fast-check
 * shrinks the sequence and reports the smallest one it found.
 *
 * The store is fresh per test, not per fast-check run: every run writes to streams of its own
 * (`run<n>:<name>`), and what concerns all runs together (the global enumeration: gapless,
 * each acknowledged changeset once, never rewritten) lives in a ledger kept across runs.
 *
 * The seed is fixed and the runs few, so CI runs the same sequences every time, on every store.
 * EES_FC_SEED and EES_MODEL_RUNS override them, to search longer locally (vitest's 20 s test
 * timeout and the time limit below then need raising):
 *   EES_MODEL_RUNS=1000 EES_MODEL_TIME_LIMIT_MS=600000 \
 *     npx vitest run test/stores/sqlite.test.ts -t model --testTimeout=600000
 * A reported counterexample replays on a fresh store from its seed, path and replayPath:
 *   EES_FC_SEED=<seed> EES_FC_PATH=<path> EES_FC_REPLAY_PATH=<replayPath> npx vitest run ...
 */

const RUNS = Number(process.env.EES_MODEL_RUNS ?? 15);
const REPLAY_PATH = process.env.EES_FC_REPLAY_PATH;
/**
 * No run starts after this long: the test then fails ("too many pre-condition failures") rather
 * than pass with fewer runs, and shrinking stops with the smallest failure found so far instead
 * of running into vitest's 20 s timeout, which would report nothing. A run in progress finishes.
 */
const TIME_LIMIT_MS = Number(process.env.EES_MODEL_TIME_LIMIT_MS ?? 12_000);
/** Runs that must have passed within the time limit for the test to pass. */
const MIN_RUNS = Math.min(5, RUNS);
/** Short sequences: PostgreSQL and DynamoDB Local take milliseconds per call. */
const MAX_COMMANDS = 25;
/** At most this many pages of a paged global read, so a run's cost does not grow with the store. */
const MAX_PAGES = 3;
/** Page size of the full enumeration read that every other read is compared with. */
const FULL_PAGE = 1000;
/** How many of the changesets enumerated before each full read compares in full, not only by identity. */
const RECHECKED = 300;

/** Few streams, so that commits collide; one id is not ASCII. */
const STREAMS = ['a', 'b', 'flüsse-流🚀'] as const;
type StreamName = (typeof STREAMS)[number];

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

// ---------------------------------------------------------------------------------------------
// The model

/** A committed changeset as the model knows it; the timestamp is the one the commit returned. */
interface ModelChangeset {
  readonly changesetId: number;
  readonly firstEventId: number;
  readonly lastEventId: number;
  readonly events: readonly JsonObject[];
  readonly metadata: JsonObject;
  readonly timestamp: string;
}

interface Model {
  /** This run's stream ids start with it. */
  readonly prefix: string;
  /** Stream id → its changesets, in order; a stream is absent until its first commit. */
  readonly streams: Map<string, ModelChangeset[]>;
  /**
   * Checkpoints seen so far, by changeset identity. Stores that index after the commit show
   * `null` first; once a changeset shows a checkpoint it must always show that one.
   */
  readonly checkpoints: Map<string, number>;
  /** Whether the run committed since it last checked the enumeration. */
  unchecked: boolean;
}

/** What all runs of one test share: the store is the same for all of them. */
interface Ledger {
  runs: number;
  /** Changesets the store acknowledged as committed, in every run so far. */
  acknowledged: number;
  /** The enumeration as read so far (copies): every later read must start with it. */
  readonly enumeration: IndexedChangeset[];
}

interface Real {
  readonly sut: StoreUnderTest;
  readonly ledger: Ledger;
}

const streamIdOf = (model: Model, name: StreamName): string => model.prefix + name;

function headOf(model: Model, streamId: string): StreamHead {
  const last = model.streams.get(streamId)?.at(-1);
  return last === undefined
    ? EMPTY_STREAM
    : { lastChangesetId: last.changesetId, lastEventId: last.lastEventId };
}

/** A changeset's identity, as `identityOf` in the fixtures. */
const key = (streamId: string, changesetId: number): string =>
  JSON.stringify([streamId, changesetId]);

/** Remembers the checkpoints that changesets read from the store show for the first time. */
function learn(model: Model, changesets: readonly Changeset[]): void {
  for (const c of changesets) {
    const id = key(c.streamId, c.changesetId);
    if (c.checkpoint === null || model.checkpoints.has(id)) continue;
    model.checkpoints.set(id, c.checkpoint);
  }
}

/**
 * A model changeset as the store must return it. Its checkpoint is the one seen before (call
 * `learn` first); when none was, `null` where checkpoints come after the commit, and some number
 * where they come with it.
 */
function expectedChangeset(
  real: Real,
  model: Model,
  streamId: string,
  c: ModelChangeset,
): Record<keyof Changeset, unknown> {
  const known = model.checkpoints.get(key(streamId, c.changesetId));
  const checkpoint: unknown =
    known ??
    (real.sut.store.capabilities.checkpointsAtCommit ? (expect.any(Number) as unknown) : null);
  return {
    streamId,
    changesetId: c.changesetId,
    firstEventId: c.firstEventId,
    lastEventId: c.lastEventId,
    events: c.events,
    metadata: c.metadata,
    timestamp: c.timestamp,
    checkpoint,
  };
}

const inRange = (value: number, range: Range): boolean =>
  (range.from ?? 0) <= value && value <= (range.to ?? Infinity);

const showRange = (range: Range): string => `${range.from ?? ''}..${range.to ?? ''}`;

/**
 * A read range drawn before the stream exists: each bound in tenths of the way from 0 to just
 * past the stream's end (`from` ≤ `to`), resolved when the command runs, so that reads start and
 * end at the stream's first, last and middle positions, and just outside them.
 */
interface RelativeRange {
  readonly from: number | undefined;
  readonly to: number | undefined;
}

/** The range a relative one stands for on a stream that ends at `end`; `from` ≤ `to` stays. */
const resolveRange = (relative: RelativeRange, end: number): Range => {
  const at = (tenths: number | undefined) =>
    tenths === undefined ? undefined : Math.round((tenths * (end + 1)) / 10);
  return { from: at(relative.from), to: at(relative.to) };
};

const showRelative = ({ from, to }: RelativeRange): string =>
  `${from === undefined ? '' : `${from}/10`}..${to === undefined ? '' : `${to}/10`}`;

const showExpectation = (expectation: Expectation): string =>
  expectation.kind === 'changeset'
    ? `expected last changeset ${expectation.lastChangesetId}`
    : `expected last event ${expectation.lastEventId}`;

// ---------------------------------------------------------------------------------------------
// Commands

type Kind = Expectation['kind'];

/** Which expectation a commit states, relative to the stream's end in the model. */
type Target =
  | { readonly to: 'new' }
  | { readonly to: 'head'; readonly kind: Kind }
  /** At `tenths`/10 of the stream's end, rounded down: stale by one up to the whole stream. */
  | { readonly to: 'behind'; readonly kind: Kind; readonly tenths: number }
  /** `by` past the stream's end. */
  | { readonly to: 'ahead'; readonly kind: Kind; readonly by: number };

const showTarget = (target: Target): string => {
  switch (target.to) {
    case 'new':
      return 'new stream';
    case 'head':
      return `${target.kind} head`;
    case 'behind':
      return `${target.kind} head×${target.tenths}/10`;
    case 'ahead':
      return `${target.kind} head+${target.by}`;
  }
};

class CommitCommand implements AsyncCommand<Model, Real> {
  constructor(
    readonly stream: StreamName,
    readonly target: Target,
    readonly events: readonly JsonObject[],
    readonly metadata: JsonObject,
  ) {}

  /** The expectation stated against the model's stream; none for `behind` an empty stream. */
  expectation(model: Model): Expectation | undefined {
    const { target } = this;
    if (target.to === 'new') return NEW_STREAM;
    const head = headValue(headOf(model, streamIdOf(model, this.stream)), target.kind);
    if (target.to === 'behind' && head === 0) return undefined;
    const value =
      target.to === 'head'
        ? head
        : target.to === 'behind'
          ? Math.floor((head * target.tenths) / 10)
          : head + target.by;
    return target.kind === 'changeset'
      ? { kind: 'changeset', lastChangesetId: value }
      : { kind: 'event', lastEventId: value };
  }

  check(model: Readonly<Model>): boolean {
    return this.expectation(model) !== undefined;
  }

  async run(model: Model, real: Real): Promise<void> {
    const streamId = streamIdOf(model, this.stream);
    const expectation = this.expectation(model);
    if (expectation === undefined) throw new Error(`${this.toString()} ran against its check`);
    const head = headOf(model, streamId);
    const existing = model.streams.get(streamId) ?? [];
    const decision = decideCommit(head, expectation, this.events.length);

    const result = await real.sut.store.commit({
      streamId,
      expectation,
      events: this.events,
      metadata: this.metadata,
    });
    if (result.status === 'committed') real.ledger.acknowledged++;
    if (result.status === 'committed') learn(model, [result.changeset]);
    if (result.status === 'conflict') learn(model, result.forthcoming);

    const what = `commit to ${JSON.stringify(streamId)} with ${showExpectation(expectation)}, head ${JSON.stringify(head)}`;
    switch (decision.outcome) {
      case 'commit': {
        const committed: ModelChangeset = {
          changesetId: decision.changesetId,
          firstEventId: decision.firstEventId,
          lastEventId: decision.lastEventId,
          events: this.events,
          metadata: this.metadata,
          timestamp: result.status === 'committed' ? result.changeset.timestamp : '(none)',
        };
        expect(result, what).toEqual({
          status: 'committed',
          changeset: {
            ...expectedChangeset(real, model, streamId, committed),
            timestamp: expect.stringMatching(ISO_UTC) as unknown,
          },
        });
        model.streams.set(streamId, [...existing, committed]);
        model.unchecked = true;
        return;
      }
      case 'conflict':
        expect(result, what).toEqual({
          status: 'conflict',
          forthcoming: existing
            .filter((c) => isForthcoming(expectation, c))
            .map((c) => expectedChangeset(real, model, streamId, c)),
        });
        return;
      case 'ahead':
        expect(result, what).toEqual({ status: 'ahead', head });
        return;
    }
  }

  toString(): string {
    return `commit(${JSON.stringify(this.stream)}, ${showTarget(this.target)}, events ${JSON.stringify(this.events)}, metadata ${JSON.stringify(this.metadata)})`;
  }
}

class ReadChangesetsCommand implements AsyncCommand<Model, Real> {
  constructor(
    readonly stream: StreamName,
    readonly range: RelativeRange,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, real: Real): Promise<void> {
    const streamId = streamIdOf(model, this.stream);
    const range = resolveRange(this.range, headOf(model, streamId).lastChangesetId);
    const actual = await real.sut.store.readChangesets(streamId, range);
    learn(model, actual ?? []);
    const expected = model.streams
      .get(streamId)
      ?.filter((c) => inRange(c.changesetId, range))
      .map((c) => expectedChangeset(real, model, streamId, c));
    expect(actual, `readChangesets(${JSON.stringify(streamId)}, ${showRange(range)})`).toEqual(
      expected,
    );
  }

  toString(): string {
    return `readChangesets(${JSON.stringify(this.stream)}, ${showRelative(this.range)})`;
  }
}

class ReadEventsCommand implements AsyncCommand<Model, Real> {
  constructor(
    readonly stream: StreamName,
    readonly range: RelativeRange,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, real: Real): Promise<void> {
    const streamId = streamIdOf(model, this.stream);
    const range = resolveRange(this.range, headOf(model, streamId).lastEventId);
    const actual = await real.sut.store.readEvents(streamId, range);
    const changesets = model.streams.get(streamId);
    const expected = changesets === undefined ? undefined : sliceEvents(changesets, range);
    expect(actual, `readEvents(${JSON.stringify(streamId)}, ${showRange(range)})`).toEqual(
      expected,
    );
  }

  toString(): string {
    return `readEvents(${JSON.stringify(this.stream)}, ${showRelative(this.range)})`;
  }
}

/** Where a paged global read starts. */
type Start =
  | { readonly from: 'zero' }
  /** At this run's first changeset (the end of the enumeration when it has none yet). */
  | { readonly from: 'run' }
  /** At `percent` of the enumeration's length: over 100 starts past its end. */
  | { readonly from: 'percent'; readonly percent: number };

const showStart = (start: Start): string =>
  start.from === 'percent' ? `${start.percent}%` : start.from;

/** The whole enumeration in pages of `FULL_PAGE`, after the store has settled. */
async function readFullEnumeration({ store, settle }: StoreUnderTest): Promise<IndexedChangeset[]> {
  await settle?.();
  const all: IndexedChangeset[] = [];
  let checkpoint = 0;
  for (;;) {
    const page = await store.readGlobal(checkpoint, FULL_PAGE);
    if (page.length === 0) return all;
    all.push(...page);
    const next = nextCheckpoint(checkpoint, page);
    if (next <= checkpoint) throw new Error(`readGlobal(${checkpoint}) did not advance`);
    checkpoint = next;
  }
}

/**
 * Reads the whole enumeration after settling and holds it to the ledger and the model: across
 * every run so far, checkpoints 0..n-1, one per acknowledged changeset, each stream in order, and
 * the changesets of earlier reads unchanged; for this run's streams, exactly the model's
 * changesets.
 */
async function checkEnumeration(model: Model, real: Real): Promise<IndexedChangeset[]> {
  const { ledger } = real;
  const all = await readFullEnumeration(real.sut);
  model.unchecked = false;
  // The checks over everything are written to stay cheap as the store fills up: `expect` runs
  // in full only to report a failure.
  if (all.some((c, i) => c.checkpoint !== i)) {
    expect(
      all.map((c) => c.checkpoint),
      'the enumeration is gapless from 0',
    ).toEqual(all.map((_, i) => i));
  }
  expect(all.length, 'every acknowledged changeset is enumerated, once').toBe(ledger.acknowledged);
  // What was read before comes back unchanged: every changeset's position and identity, and
  // (for the last RECHECKED of them, each of which was rechecked on many reads) all of it.
  const previous = ledger.enumeration;
  const moved = previous.findIndex((p, i) => {
    const c = all[i];
    return (
      c?.streamId !== p.streamId ||
      c.changesetId !== p.changesetId ||
      c.firstEventId !== p.firstEventId ||
      c.lastEventId !== p.lastEventId ||
      c.timestamp !== p.timestamp
    );
  });
  const from = moved === -1 ? Math.max(0, previous.length - RECHECKED) : moved;
  expect(all.slice(from, previous.length), 'an earlier read is repeated exactly').toEqual(
    previous.slice(from),
  );
  previous.push(...structuredClone(all.slice(previous.length)));
  const heads = new Map<string, StreamHead>();
  for (const c of all) {
    const head = heads.get(c.streamId) ?? EMPTY_STREAM;
    if (c.changesetId !== head.lastChangesetId + 1 || c.firstEventId !== head.lastEventId + 1) {
      expect(
        { changesetId: c.changesetId, firstEventId: c.firstEventId },
        `checkpoint ${c.checkpoint} (stream ${JSON.stringify(c.streamId)}) follows changeset ${head.lastChangesetId}`,
      ).toEqual({ changesetId: head.lastChangesetId + 1, firstEventId: head.lastEventId + 1 });
    }
    heads.set(c.streamId, { lastChangesetId: c.changesetId, lastEventId: c.lastEventId });
  }
  const own = new Map<string, IndexedChangeset[]>(STREAMS.map((n) => [streamIdOf(model, n), []]));
  for (const c of all) own.get(c.streamId)?.push(c);
  for (const [streamId, enumerated] of own) {
    learn(model, enumerated);
    expect(enumerated, `the enumeration of ${JSON.stringify(streamId)}`).toEqual(
      (model.streams.get(streamId) ?? []).map((c) => expectedChangeset(real, model, streamId, c)),
    );
  }
  return all;
}

class ReadGlobalCommand implements AsyncCommand<Model, Real> {
  constructor(
    readonly start: Start,
    readonly pageSizes: readonly number[],
  ) {}

  check(): boolean {
    return true;
  }

  /** The full read, checked; then pages of the requested sizes, each a slice of it. */
  async run(model: Model, real: Real): Promise<void> {
    const all = await checkEnumeration(model, real);
    const ownStreams = new Set(STREAMS.map((name) => streamIdOf(model, name)));
    let checkpoint =
      this.start.from === 'zero'
        ? 0
        : this.start.from === 'run'
          ? (all.find((c) => ownStreams.has(c.streamId))?.checkpoint ?? all.length)
          : Math.floor((all.length * this.start.percent) / 100);
    for (let n = 0; n < MAX_PAGES; n++) {
      const limit = this.pageSizes[n % this.pageSizes.length] ?? 1;
      const page = await real.sut.store.readGlobal(checkpoint, limit);
      expect(page, `readGlobal(${checkpoint}, ${limit}) of ${all.length}`).toEqual(
        all.slice(checkpoint, checkpoint + limit),
      );
      if (page.length === 0) break;
      checkpoint = nextCheckpoint(checkpoint, page);
    }
  }

  toString(): string {
    return `readGlobal(from ${showStart(this.start)}, pages of ${this.pageSizes.join(',')})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

/**
 * Strings as JSON bodies bring them: ASCII, graphemes, any code point, escapes, NUL, and lone
 * surrogates (which `JSON.parse` makes of "\ud800").
 */
const text: Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.constantFrom(
    '',
    'Grüße',
    '流れ',
    '🚀👩‍👩‍👧',
    'e\u0301',
    'quote " backslash \\ newline \n tab \t',
    '\u2028\u2029',
    'nul \u0000 inside',
    'lone \ud800 and \udc00 surrogates',
  ),
);

const number: Arbitrary<number> = fc.oneof(
  fc.integer(),
  // JSON has no -0: it reads back as 0.
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1e300, 5e-324, 0.1),
);

const jsonKey: Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 5 }),
  fc.constantFrom('type', 'ü', '流', '🚀', 'a.b', '$x', '', '__proto__'),
);

const { json } = fc.letrec<{ json: unknown; array: unknown[]; object: Record<string, unknown> }>(
  (tie) => ({
    json: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      text,
      number,
      fc.boolean(),
      fc.constant(null),
      tie('array'),
      tie('object'),
    ),
    array: fc.array(tie('json'), { maxLength: 3 }),
    object: fc.dictionary(jsonKey, tie('json'), { maxKeys: 3, noNullPrototype: true }),
  }),
);

const jsonObject: Arbitrary<JsonObject> = fc.dictionary(jsonKey, json, {
  maxKeys: 3,
  noNullPrototype: true,
});

/** Weighted, so that one stream grows long (deep conflicts) while the others still collide. */
const stream: Arbitrary<StreamName> = fc.oneof(
  { arbitrary: fc.constant(STREAMS[0]), weight: 3 },
  { arbitrary: fc.constant(STREAMS[1]), weight: 1 },
  { arbitrary: fc.constant(STREAMS[2]), weight: 2 },
);
const kind = fc.constantFrom<Kind>('changeset', 'event');
const events = fc.array(jsonObject, { minLength: 1, maxLength: 4 });

const commit = (target: Arbitrary<Target>) =>
  fc.tuple(stream, target, events, jsonObject).map(([s, t, e, m]) => new CommitCommand(s, t, e, m));

/** Bounds in tenths (see `RelativeRange`); either may be open. */
const relativeRange: Arbitrary<RelativeRange> = fc
  .tuple(
    fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
  )
  .map(([x, y]) =>
    x !== undefined && y !== undefined
      ? { from: Math.min(x, y), to: Math.max(x, y) }
      : { from: x, to: y },
  );

const start: Arbitrary<Start> = fc.oneof(
  fc.constant({ from: 'zero' as const }),
  fc.constant({ from: 'run' as const }),
  fc.integer({ min: 0, max: 110 }).map((percent) => ({ from: 'percent' as const, percent })),
);

const headCommit = commit(kind.map((k) => ({ to: 'head' as const, kind: k })));
const behindCommit = commit(
  fc.record({ to: fc.constant('behind' as const), kind, tenths: fc.integer({ min: 0, max: 9 }) }),
);
const readChangesets = fc
  .tuple(stream, relativeRange)
  .map(([s, r]) => new ReadChangesetsCommand(s, r));
const readEvents = fc.tuple(stream, relativeRange).map(([s, r]) => new ReadEventsCommand(s, r));

/** Repeats weigh the draw: mostly commits that go through, so that streams grow. */
const COMMANDS = [
  headCommit,
  headCommit,
  headCommit,
  headCommit,
  commit(fc.constant({ to: 'new' as const })),
  behindCommit,
  behindCommit,
  behindCommit,
  commit(
    fc.record({ to: fc.constant('ahead' as const), kind, by: fc.integer({ min: 1, max: 3 }) }),
  ),
  readChangesets,
  readChangesets,
  readEvents,
  readEvents,
  fc
    .tuple(start, fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }))
    .map(([s, p]) => new ReadGlobalCommand(s, p)),
];

// ---------------------------------------------------------------------------------------------
// The suite

export const testModel: FeatureSuite = (suite) => {
  describe('model', () => {
    suite.test('random commits and reads agree with the model', async (sut) => {
      const ledger: Ledger = { runs: 0, acknowledged: 0, enumeration: [] };
      const real: Real = { sut, ledger };
      let model: Model | undefined;
      const setup = () => {
        ledger.runs++;
        model = {
          prefix: `run${ledger.runs}:`,
          streams: new Map(),
          checkpoints: new Map(),
          unchecked: false,
        };
        return { model, real };
      };
      const details = await fc.check(
        fc.asyncProperty(
          fc.commands(COMMANDS, {
            maxCommands: MAX_COMMANDS,
            size: 'max',
            ...(REPLAY_PATH === undefined ? {} : { replayPath: REPLAY_PATH }),
          }),
          async (commands) => {
            await fc.asyncModelRun(setup, commands);
            // Every run ends with its commits checked in the full enumeration.
            if (model?.unchecked === true) await checkEnumeration(model, real);
          },
        ),
        {
          seed: FC_SEED,
          numRuns: RUNS,
          skipAllAfterTimeLimit: TIME_LIMIT_MS,
          ...(FC_PATH === undefined ? {} : { path: FC_PATH }),
        },
      );
      if (details.failed && details.counterexample === null) {
        // Every run that ran passed. A store slowed down by a loaded machine still counts if it
        // got through a useful number; fewer means the test proved too little to pass.
        if (details.numRuns >= MIN_RUNS) {
          console.warn(
            `model test: ${details.numRuns} of ${RUNS} runs within ${TIME_LIMIT_MS} ms, all passed`,
          );
          return;
        }
        throw new Error(
          `Only ${details.numRuns} of ${RUNS} runs ran within ${TIME_LIMIT_MS} ms: the store ` +
            'is slower than this test allows (lower EES_MODEL_RUNS, or raise ' +
            'EES_MODEL_TIME_LIMIT_MS and --testTimeout)',
        );
      }
      // As fc.assert reports it: the shrunk command sequence, and the failed expectation as cause.
      if (details.failed) {
        throw new Error(fc.defaultReportMessage(details), { cause: details.errorInstance });
      }
    });
  });
};

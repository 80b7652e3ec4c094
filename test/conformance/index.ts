import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testAppendInOrder } from './append-in-order.js';
import { testCommit } from './commit.js';
import { testConcurrency } from './concurrency.js';
import { testConflicts } from './conflicts.js';
import { testGlobalEnumeration } from './global-enumeration.js';
import type { ConformanceOptions, FeatureSuite, StoreUnderTest, SuiteContext } from './harness.js';
import { testModel } from './model.js';
import { testProjections } from './projections.js';
import { testReadChangesets } from './read-changesets.js';
import { testReadEvents } from './read-events.js';

export type { ConformanceOptions, StoreUnderTest } from './harness.js';

const FEATURES: readonly FeatureSuite[] = [
  testCommit,
  testConflicts,
  testReadChangesets,
  testReadEvents,
  testGlobalEnumeration,
  testProjections,
  testConcurrency,
  testModel,
  testAppendInOrder,
];

/**
 * Registers the storage-port conformance suite for one store adapter. `factory` is called
 * before every test and must return an empty store; the suite closes it afterwards. Backend
 * differences are read from `store.capabilities`, never from `name`.
 *
 * @example
 * testEventStore('memory', () => Promise.resolve({ store: createMemoryStore() }), {
 *   skip: [{ reason: 'no projections yet', tests: ['projections are independent by name'] }],
 * });
 */
export function testEventStore(
  name: string,
  factory: () => Promise<StoreUnderTest>,
  options: ConformanceOptions = {},
): void {
  const skipped = new Map(
    (options.skip ?? []).flatMap(({ reason, tests }) => tests.map((test) => [test, reason])),
  );
  const registered = new Set<string>();

  describe(name, () => {
    let current: StoreUnderTest | undefined;

    beforeEach(async ({ task, skip }) => {
      const reason = skipped.get(task.name);
      if (reason !== undefined) skip(reason);
      current = await factory();
    });

    afterEach(async () => {
      const closing = current;
      current = undefined;
      await closing?.store.close();
    });

    const suite: SuiteContext = {
      test(testName, body) {
        // Skips are by name, so a name must say which test it is.
        if (registered.has(testName)) throw new Error(`Duplicate conformance test: ${testName}`);
        registered.add(testName);
        it(testName, async () => {
          if (current === undefined) throw new Error('The store factory did not run');
          await body(current);
        });
      },
    };
    for (const feature of FEATURES) feature(suite);

    it('the skip list names only tests of the suite', () => {
      expect([...skipped.keys()].filter((test) => !registered.has(test))).toEqual([]);
    });
  });
}

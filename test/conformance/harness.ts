import type { EventStore } from '../../src/core/index.js';

/** A fresh store for one test, as an adapter's factory hands it over. */
export interface StoreUnderTest {
  store: EventStore;
  /**
   * Makes the global enumeration catch up with every acknowledged commit. Stores whose
   * `capabilities.checkpointsAtCommit` is `false` (an indexer assigns checkpoints later) provide
   * it; the suite calls it before every global read.
   */
  settle?: () => Promise<void>;
}

export interface ConformanceOptions {
  /**
   * Known gaps, skipped by test name (the `it` title, without the describe prefixes) with a
   * reason that the report shows. Naming a test the suite does not have fails the run.
   */
  skip?: { reason: string; tests: string[] }[];
}

/** What a feature suite registers its tests with; the store is fresh for every test. */
export interface SuiteContext {
  readonly test: (name: string, body: (sut: StoreUnderTest) => Promise<void>) => void;
}

export type FeatureSuite = (suite: SuiteContext) => void;

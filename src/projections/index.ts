export {
  catchUpStatistics,
  startStatisticsProjector,
  DEFAULT_STATISTICS_PAGE_SIZE,
} from './statistics.js';
export type { CatchUpOptions, StatisticsProjectorOptions } from './statistics.js';
export { runPeriodically } from './periodic.js';
export type { PeriodicOptions, PeriodicTask } from './periodic.js';

export {
  catchUpStatistics,
  startStatisticsProjector,
  DEFAULT_STATISTICS_PAGE_SIZE,
} from './statistics.js';
export type { CatchUpOptions, StatisticsProjectorOptions } from './statistics.js';

export { createApp } from './app.js';
export {
  REPORT_INTERVAL_MS,
  atMostEvery,
  atMostEveryKind,
  describeStoreUnavailable,
  reportStoreUnavailable,
} from './unexpected.js';
export type { AppOptions } from './app.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { Limits } from './limits.js';
export { PUBLIC_PATHS, digestEquals, requireApiToken } from './auth.js';
export type { AccessScope, ApiToken, AuthOptions, TokenEquals } from './auth.js';
export { DEFAULT_HEALTH_SETTINGS } from './routes/health.js';
export type { HealthSettings } from './routes/health.js';
export { parseCorsOrigins } from './cors-policy.js';
export type { CorsOptions } from './cors.js';

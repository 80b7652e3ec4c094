export { createApp } from './app.js';
export type { AppOptions } from './app.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { Limits } from './limits.js';

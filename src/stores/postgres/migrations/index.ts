import { initial } from './001-initial.js';
import { leanerIndexes } from './002-leaner-indexes.js';
import { indexPassFunction } from './003-index-pass-function.js';
import { dropLastEventIndex } from './004-drop-last-event-index.js';
import { quietIndexPass } from './005-quiet-index-pass.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in the order they run; append only. */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  leanerIndexes,
  indexPassFunction,
  dropLastEventIndex,
  quietIndexPass,
];

import { initial } from './001-initial.js';
import { dropFirstEventIndex } from './002-drop-first-event-index.js';
import { dropLastEventIndex } from './003-drop-last-event-index.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in the order they run; append only. */
export const MIGRATIONS: readonly Migration[] = [initial, dropFirstEventIndex, dropLastEventIndex];

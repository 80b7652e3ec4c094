import type { ChangeListener } from './store.js';

/**
 * The listener set behind `EventStore.watch`, for stores that learn of changes in process. A
 * listener that throws does not keep the others from hearing about the change.
 */
export function createChangeListeners(): {
  readonly watch: (listener: ChangeListener) => () => void;
  readonly notify: (streamIds?: readonly string[]) => void;
} {
  const listeners = new Set<ChangeListener>();
  return {
    watch: (listener) => {
      // Wrapped so the same function registered twice is two registrations.
      const entry: ChangeListener = (streamIds) => {
        listener(streamIds);
      };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    notify: (streamIds) => {
      for (const listener of listeners) {
        try {
          listener(streamIds);
        } catch {
          // A wake-up is advisory; the subscriber's own poll still runs.
        }
      }
    },
  };
}

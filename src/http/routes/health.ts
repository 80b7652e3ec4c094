import type { RouteModule } from '../deps.js';

/** How readiness is probed. */
export interface HealthSettings {
  /**
   * How long `GET /health/ready` waits for the store before answering 503. Default 2 s: a
   * store that hangs (a pool waiting for a lost database) must not hang the probe too.
   */
  readonly readyTimeoutMs: number;
}

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = { readyTimeoutMs: 2_000 };

const TIMED_OUT = Symbol('timed out');

/** Resolves with the work's outcome, or `TIMED_OUT` after `ms`; rejects as the work does. */
async function within<T>(ms: number, work: Promise<T>): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => {
      resolve(TIMED_OUT);
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness and readiness. Readiness reads one changeset of the global enumeration: every store
 * answers it cheaply, and only once it is open and migrated. The answer never carries the
 * store's error, which may name hosts: these endpoints are open to anyone.
 */
export const healthRoutes: RouteModule = (app, { store, health, push }) => {
  app.get('/health/live', (c) => c.json({ status: 'ok' as const }, 200));

  app.get('/health/ready', async (c) => {
    const unavailable = (message: string) =>
      c.json({ status: 'unavailable' as const, message }, 503);
    if (push.shutdown?.aborted === true) return unavailable('The server is shutting down.');
    try {
      const answer = await within(health.readyTimeoutMs, store.readGlobal(0, 1));
      if (answer === TIMED_OUT) {
        return unavailable(`The event store did not answer within ${health.readyTimeoutMs} ms.`);
      }
    } catch {
      return unavailable('The event store is unavailable.');
    }
    return c.json({ status: 'ok' as const }, 200);
  });
};

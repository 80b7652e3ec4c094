import type { Context } from 'hono';
import type { SSEStreamingApi } from 'hono/streaming';
import { streamSSE } from 'hono/streaming';
import { errors } from '../core/index.js';
import type { PushMessage } from '../push/index.js';
import { errorBody } from './errors.js';
import { toEesError } from './unexpected.js';

/** How a push subscription behaves on the wire. */
export interface PushSettings {
  /** A comment line this often keeps idle connections open through proxies. Default 15 s. */
  readonly heartbeatMs: number;
  /** The subscriber's own poll while idle, besides the store's wake-ups. Default 1 s. */
  readonly pollIntervalMs: number;
  /** Changesets read per store query while catching up. Default 100. */
  readonly pageSize: number;
  /** How long a browser's EventSource waits before reconnecting. Default 1 s. */
  readonly retryMs: number;
}

export const DEFAULT_PUSH_SETTINGS: PushSettings = {
  heartbeatMs: 15_000,
  pollIntervalMs: 1_000,
  pageSize: 100,
  retryMs: 1_000,
};

/** Counts open subscriptions against a maximum. */
export interface SubscriberSlots {
  readonly max: number;
  /** Takes a slot; `false` when all are taken. */
  tryAcquire(): boolean;
  release(): void;
}

export function subscriberSlots(max: number): SubscriberSlots {
  let active = 0;
  return {
    max,
    tryAcquire: () => {
      if (active >= max) return false;
      active++;
      return true;
    },
    release: () => {
      active = Math.max(0, active - 1);
    },
  };
}

/**
 * Registers hooks to run when `signal` aborts, through one listener of its own: a listener per
 * subscription would pass the 10 after which Node warns of a leak, though none leaks.
 */
export function shutdownHooks(signal: AbortSignal | undefined): (hook: () => void) => () => void {
  const hooks = new Set<() => void>();
  signal?.addEventListener(
    'abort',
    () => {
      for (const hook of hooks) hook();
      hooks.clear();
    },
    { once: true },
  );
  return (hook) => {
    hooks.add(hook);
    return () => hooks.delete(hook);
  };
}

/** What every subscription shares: its settings, its slots, and the server's shutdown. */
export interface PushContext {
  readonly settings: PushSettings;
  /** Each open subscription holds one until it ends: a bound on connections and store polls. */
  readonly slots: SubscriberSlots;
  /** Aborted when the server shuts down: every subscription ends so the server can drain. */
  readonly shutdown: AbortSignal | undefined;
  /** Runs `hook` on shutdown (see `shutdownHooks`); returns what unregisters it. */
  readonly onShutdown: (hook: () => void) => () => void;
  readonly onUnexpectedError: (error: unknown) => void;
}

export const wantsEventStream = (c: Context): boolean =>
  (c.req.header('accept') ?? '').toLowerCase().includes('text/event-stream');

/**
 * Streams messages as Server-Sent Events until the client goes away or the server shuts down,
 * holding one subscriber slot meanwhile; 503 `TOO_MANY_SUBSCRIBERS` when none is free.
 * Each message is written only after the previous one was taken by the connection, so a slow
 * client slows the reads feeding it instead of making the server buffer. A failure (the store
 * went away) ends the stream with an `error` event; the client reconnects with Last-Event-ID.
 */
export function streamMessages(
  c: Context,
  context: PushContext,
  messages: (signal: AbortSignal) => AsyncIterable<PushMessage>,
): Response {
  const { slots } = context;
  if (!slots.tryAcquire()) throw errors.tooManySubscribers(slots.max);
  // HEAD gets a GET's status and headers but no body: a stream started for it would never be
  // read nor cancelled, and would hold its slot (and poll the store) for good.
  if (c.req.method === 'HEAD') {
    slots.release();
    return c.body(null, 200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  }
  let held = true;
  const release = () => {
    if (held) slots.release();
    held = false;
  };
  try {
    return streamSSE(c, async (stream) => {
      try {
        await pushMessages(stream, context, messages);
      } finally {
        release();
      }
    });
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * How long a subscription may write without letting the event loop run. Messages are written
 * as fast as the socket takes them, and reads from a synchronous store (SQLite) resolve at once,
 * so a subscriber catching up on a long history is one unbroken chain of promises: every other
 * request would wait for it to end.
 */
const MAX_BUSY_MS = 10;

/** Lets timers and I/O run: `setImmediate` where there is one, a zero timeout elsewhere. */
const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });

async function pushMessages(
  stream: SSEStreamingApi,
  context: PushContext,
  messages: (signal: AbortSignal) => AsyncIterable<PushMessage>,
): Promise<void> {
  const { settings, onShutdown, onUnexpectedError } = context;
  const stop = new AbortController();
  const abort = () => {
    stop.abort();
  };
  stream.onAbort(abort);
  const forgetShutdown = onShutdown(abort);
  let heartbeatInFlight = false;
  const heartbeat = setInterval(() => {
    if (heartbeatInFlight) return;
    heartbeatInFlight = true;
    void stream.write(': heartbeat\n\n').finally(() => {
      heartbeatInFlight = false;
    });
  }, settings.heartbeatMs);
  try {
    // Sends the headers now, so a subscriber knows it is connected before any message.
    await stream.write(`retry: ${settings.retryMs}\n: connected\n\n`);
    let busySince = performance.now();
    for await (const message of messages(stop.signal)) {
      await stream.writeSSE({ ...message });
      if (stream.aborted) break;
      if (performance.now() - busySince > MAX_BUSY_MS) {
        await yieldToEventLoop();
        busySince = performance.now();
      }
    }
  } catch (error) {
    const known = toEesError(error);
    if (known.code === 'INTERNAL_ERROR') onUnexpectedError(error);
    await stream.writeSSE({ event: 'error', data: JSON.stringify(errorBody(known)) });
  } finally {
    clearInterval(heartbeat);
    forgetShutdown();
    stop.abort();
  }
}

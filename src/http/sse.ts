import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
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

/** What every subscription shares: its settings, and the server's shutdown. */
export interface PushContext {
  readonly settings: PushSettings;
  /** Aborted when the server shuts down: every subscription ends so the server can drain. */
  readonly shutdown: AbortSignal | undefined;
  readonly onUnexpectedError: (error: unknown) => void;
}

export const wantsEventStream = (c: Context): boolean =>
  (c.req.header('accept') ?? '').toLowerCase().includes('text/event-stream');

/**
 * Streams messages as Server-Sent Events until the client goes away or the server shuts down.
 * Each message is written only after the previous one was taken by the connection, so a slow
 * client slows the reads feeding it instead of making the server buffer. A failure (the store
 * went away) ends the stream with an `error` event; the client reconnects with Last-Event-ID.
 */
export function streamMessages(
  c: Context,
  context: PushContext,
  messages: (signal: AbortSignal) => AsyncIterable<PushMessage>,
): Response {
  const { settings, shutdown, onUnexpectedError } = context;
  return streamSSE(c, async (stream) => {
    const stop = new AbortController();
    const abort = () => {
      stop.abort();
    };
    stream.onAbort(abort);
    shutdown?.addEventListener('abort', abort, { once: true });
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
      for await (const message of messages(stop.signal)) {
        await stream.writeSSE({ ...message });
        if (stream.aborted) break;
      }
    } catch (error) {
      const known = toEesError(error);
      if (known.code === 'INTERNAL_ERROR') onUnexpectedError(error);
      await stream.writeSSE({ event: 'error', data: JSON.stringify(errorBody(known)) });
    } finally {
      clearInterval(heartbeat);
      shutdown?.removeEventListener('abort', abort);
      stop.abort();
    }
  });
}

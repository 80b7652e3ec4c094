import { Client } from 'pg';
import type { ChangeListener } from '../../core/index.js';

/*
 * The payload of an indexer pass's NOTIFY is written by the pass itself (`index_pass`,
 * migration 003): the JSON array of the streams it indexed, or '' ("any stream") when that
 * would not fit in PostgreSQL's 8000-byte limit.
 */

/** The streams a payload names; `undefined` for "any stream" or a payload we cannot read. */
export function parseChangesPayload(payload: string | undefined): string[] | undefined {
  if (payload === undefined || payload === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(payload);
    return Array.isArray(parsed) && parsed.every((id) => typeof id === 'string')
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

export interface ChangesListenerOptions {
  readonly connectionString: string;
  readonly channel: string;
  readonly onChange: ChangeListener;
  /** Wait before reconnecting after the connection was lost. Default 1 s. */
  readonly reconnectDelayMs?: number;
}

/**
 * Holds one connection that LISTENs for other instances' indexer passes, so a subscriber on
 * this instance hears of a commit made on another one as soon as it has its checkpoint. The
 * connection is outside the pool (a LISTEN lives as long as its session). When it is lost it
 * is reopened in the background; meanwhile the indexer's poll still wakes subscribers, only
 * later. Each (re)connection wakes everyone once, for what may have been missed.
 */
export function listenForChanges(options: ChangesListenerOptions): {
  /** Settles once the first attempt to LISTEN has succeeded or failed (it never rejects). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
} {
  const reconnectDelayMs = options.reconnectDelayMs ?? 1000;
  let client: Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const schedule = (): void => {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, reconnectDelayMs);
    retry.unref();
  };

  const connect = async (): Promise<void> => {
    const next = new Client({ connectionString: options.connectionString, keepAlive: true });
    next.on('error', () => {
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      schedule();
    });
    next.on('notification', (message) => {
      if (message.channel === options.channel)
        options.onChange(parseChangesPayload(message.payload));
    });
    try {
      await next.connect();
      // The channel name is an identifier we derived from a hash: no user input.
      await next.query(`LISTEN ${options.channel}`);
    } catch {
      await next.end().catch(() => undefined);
      schedule();
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    options.onChange(undefined);
  };

  const ready = connect();

  return {
    ready,
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}

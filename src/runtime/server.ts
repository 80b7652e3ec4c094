import { Buffer } from 'node:buffer';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import type { EventStore, UnparsableRequestCode } from '../core/index.js';
import type { ApiToken } from '../http/index.js';
import {
  REPORT_INTERVAL_MS,
  atMostEvery,
  atMostEveryKind,
  createApp,
  reportStoreUnavailable,
} from '../http/index.js';
import { startStatisticsProjector } from '../projections/index.js';
import { isLoopback, isLoopbackName, resolveApiTokens, timingSafeTokenEquals } from './access.js';
import type { Config } from './config.js';
import { ListenError, describeError, describeUnexpected } from './errors.js';

export interface ServerOptions {
  readonly config: Config;
  /** Opened by the caller; the server owns it from here on and closes it in `close`. */
  readonly store: EventStore;
  /** Reported by `GET /version`. */
  readonly version: string;
  /** Where the server reports what goes wrong while it runs (one line per call). */
  readonly log: (line: string) => void;
  /**
   * How long `close` lets requests in progress run before cutting their connections; bounds
   * shutdown when a client holds a response open (a stalled upload, a long-lived stream).
   * Default 10 s, well inside the 30 s most process managers wait before SIGKILL.
   */
  readonly shutdownGraceMs?: number;
  /**
   * The tokens `resolveApiTokens(config)` returned, for a caller that resolved them before
   * opening the store (as `ees serve` does, to refuse an unsafe setup before touching data).
   * Resolved here when absent, with the same refusal.
   */
  readonly apiTokens?: readonly ApiToken[];
  /** How long a client may take to send a request; default `SLOW_CLIENT_TIMEOUTS`. */
  readonly slowClientTimeouts?: SlowClientTimeouts;
}

/**
 * How long a client may take to send its request line and headers, and the whole request,
 * before Node answers 408 and closes the connection; checked every `checkEveryMs`. Node's own
 * defaults (60 s, 300 s, checked every 30 s) let a client that trickles its bytes hold a
 * connection, and a file descriptor, for minutes.
 */
export interface SlowClientTimeouts {
  readonly headersMs: number;
  readonly requestMs: number;
  readonly checkEveryMs: number;
}

/** Headers within 20 s, a request (the largest body is 1.6 MB) within 60 s. */
export const SLOW_CLIENT_TIMEOUTS: SlowClientTimeouts = {
  headersMs: 20_000,
  requestMs: 60_000,
  checkEveryMs: 5_000,
};

export interface RunningServer {
  /** The address it listens on, with the real port when the configuration asked for port 0. */
  readonly url: string;
  /**
   * Stops accepting connections, lets requests in progress finish, stops the statistics
   * projector, then closes the store. Safe to call more than once.
   */
  close(): Promise<void>;
}

/** How often idle keep-alive connections are closed while waiting for in-flight requests. */
const IDLE_SWEEP_MS = 50;

const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** `http://host:port`, bracketing IPv6 literals. */
const urlOf = (host: string, port: number): string =>
  `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

type FetchCallback = Parameters<typeof serve>[0]['fetch'];

/** What a request Node cannot parse is answered, by Node's error code (see `answerUnparsable`). */
function unparsableAnswer(
  code: string | undefined,
  maxHeaderBytes: number,
): { status: string; error: UnparsableRequestCode; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: '431 Request Header Fields Too Large',
        error: 'HEADERS_TOO_LARGE',
        message: `The request line and headers exceed the limit of ${maxHeaderBytes} bytes.`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: '408 Request Timeout',
        error: 'REQUEST_TIMEOUT',
        message: 'The request did not arrive whole in time.',
      };
    default:
      return {
        status: '400 Bad Request',
        error: 'BAD_REQUEST',
        message: `The request is not HTTP/1.1 this server can read (${code ?? 'unknown error'}).`,
      };
  }
}

/**
 * Answers a request Node cannot parse (bytes that are not HTTP, contradictory framing, headers
 * over the limit) as Node would, same status and the connection closed, but with a JSON body
 * and an error code like every other error, instead of a bare status line. As Node does, it
 * writes nothing when the connection is gone or already carries an answer.
 */
function answerUnparsable(server: Server, maxHeaderBytes: number): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const answering = (socket as { _httpMessage?: { headersSent: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || answering?.headersSent === true) {
      socket.destroy();
      return;
    }
    const { status, ...body } = unparsableAnswer(error.code, maxHeaderBytes);
    const json = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
  });
}

/**
 * Caps the open connections (Node's `maxConnections`): past the cap, a new connection is closed
 * as soon as it is accepted, before it can send anything, so a flood of clients (slow ones
 * included) cannot use up the process's file descriptors and the connections already open are
 * served on. Dropping is reported, at most once every ten seconds.
 */
function limitConnections(server: Server, maxConnections: number, log: (line: string) => void) {
  server.maxConnections = maxConnections;
  const report = atMostEvery(REPORT_INTERVAL_MS, (_: unknown, skipped: number) => {
    log(
      `connection limit reached (--max-connections ${maxConnections}): closing new connections${skipped === 0 ? '' : ` (${skipped} more since the last report)`}`,
    );
  });
  server.on('drop', report);
}

function listen(
  config: Config,
  fetch: FetchCallback,
  timeouts: SlowClientTimeouts,
  log: (line: string) => void,
) {
  return new Promise<{ server: Server; port: number }>((resolveListen, rejectListen) => {
    const server = serve(
      {
        fetch,
        port: config.port,
        hostname: config.host,
        // Node refuses a larger request line and headers: 431 (see `answerUnparsable`).
        serverOptions: {
          maxHeaderSize: config.maxHeaderBytes,
          headersTimeout: timeouts.headersMs,
          requestTimeout: timeouts.requestMs,
          connectionsCheckingInterval: timeouts.checkEveryMs,
        },
      },
      (info: AddressInfo) => {
        server.off('error', onError);
        resolveListen({ server: server as Server, port: info.port });
      },
    );
    answerUnparsable(server as Server, config.maxHeaderBytes);
    limitConnections(server as Server, config.maxConnections, log);
    const onError = (error: NodeJS.ErrnoException) => {
      rejectListen(
        new ListenError(
          `cannot listen on ${urlOf(config.host, config.port)}: ${error.code ?? describeError(error)}`,
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
  });
}

/**
 * Counts requests whose responses are not finished, so shutdown knows when none are left.
 * Idle-connection sweeps alone miss sockets a client opened without sending a request yet
 * (Node's fetch keeps a spare one after an aborted request): those would hold `close` open.
 */
function trackRequests(server: Server): () => number {
  let inFlight = 0;
  server.on('request', (_request, response) => {
    inFlight++;
    response.once('close', () => {
      inFlight--;
    });
  });
  return () => inFlight;
}

/**
 * Lets in-flight requests finish while refusing new ones. `server.close` alone waits for every
 * keep-alive connection, however idle: connections are closed as soon as their current
 * response is out, and all of them once no request is in flight. After `graceMs` whatever is
 * left is cut.
 */
function drain(server: Server, inFlight: () => number, graceMs: number): Promise<void> {
  return new Promise((resolveClose, rejectClose) => {
    const sweep = setInterval(() => {
      if (inFlight() === 0) server.closeAllConnections();
      else server.closeIdleConnections();
    }, IDLE_SWEEP_MS);
    const deadline = setTimeout(() => {
      server.closeAllConnections();
    }, graceMs);
    server.close((error) => {
      clearInterval(sweep);
      clearTimeout(deadline);
      if (error === undefined) resolveClose();
      else rejectClose(error);
    });
    server.closeIdleConnections();
  });
}

/**
 * Serves the HTTP contract on Node: the Hono app on `@hono/node-server`, plus the statistics
 * projector that keeps `GET /streams` current, both over one store.
 *
 * @example
 * const server = await startServer({ config, store, version: '1.0.0', log: console.error });
 * console.log(server.url);
 * await server.close();
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, store, log } = options;
  // Subscriptions never end by themselves: shutting down ends them so the server can drain.
  const shutdownSignal = new AbortController();
  let listening: Awaited<ReturnType<typeof listen>>;
  try {
    const tokens = options.apiTokens ?? resolveApiTokens(config);
    const app = createApp({
      shutdown: shutdownSignal.signal,
      store,
      version: options.version,
      limits: {
        maxChangesetBytes: config.maxChangesetBytes,
        maxEventsPerChangeset: config.maxEventsPerChangeset,
        maxStreamIdBytes: config.maxStreamIdBytes,
        maxPageSize: config.maxPageSize,
        maxPageBytes: config.maxPageBytes,
        maxUrlBytes: config.maxUrlBytes,
        maxSubscribers: config.maxSubscribers,
      },
      auth: { tokens, equals: timingSafeTokenEquals },
      cors: { origins: config.corsOrigins },
      // Without tokens, web pages are kept out by name and origin instead (see open-server.ts);
      // served open on another interface (--insecure), any name may reach it.
      ...(tokens.length === 0
        ? { openServer: { hostAllowed: isLoopback(config.host) ? isLoopbackName : () => true } }
        : {}),
      // The same unexpected error over and over (a corrupt database file fails every request
      // that reads it) is one report every 10 s with a count, not a stack trace per request.
      onUnexpectedError: atMostEveryKind(
        REPORT_INTERVAL_MS,
        (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : 'other'),
        (error, skipped) => {
          log(
            `${describeUnexpected(error)}${skipped === 0 ? '' : `\n(the same error ${skipped} more times since the last report)`}`,
          );
        },
      ),
      onStoreUnavailable: reportStoreUnavailable(log),
    });
    listening = await listen(
      config,
      app.fetch,
      options.slowClientTimeouts ?? SLOW_CLIENT_TIMEOUTS,
      log,
    );
    if (tokens.length === 0 && !isLoopback(config.host)) {
      log(
        `warning: serving ${config.host} without API tokens (--insecure): anyone who can reach it can read and write every stream`,
      );
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  const { server, port } = listening;
  const inFlight = trackRequests(server);
  const projector = startStatisticsProjector(store, {
    intervalMs: config.statsIntervalMs,
    onError: (error) => {
      log(`statistics projector: ${describeError(error)}`);
    },
  });

  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    shutdownSignal.abort();
    try {
      await drain(server, inFlight, options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
    } finally {
      await projector.stop();
      await store.close();
    }
  };

  return {
    url: urlOf(config.host, port),
    close: () => (closing ??= shutdown()),
  };
}

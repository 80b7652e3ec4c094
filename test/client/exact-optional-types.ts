/*
 * Compiled, never run, by types.test.ts under `exactOptionalPropertyTypes`: a caller with that
 * setting may pass `undefined` for any optional option of the SDK, as values computed from
 * optional inputs (a flag, a query parameter) are.
 */
import type {
  ClientOptions,
  CommitInput,
  EnumerateOptions,
  ErrorCode,
  EventStoreClient,
  GlobalPage,
  GlobalSubscriptionOptions,
  Range,
  RequestOptions,
  StreamSubscriptionOptions,
  SubscriptionOptions,
} from '../../src/client/index.js';

export interface Given {
  readonly number: number | undefined;
  readonly text: string | undefined;
  readonly signal: AbortSignal | undefined;
}

export const commitInputs = ({ number }: Given): CommitInput[] => [
  { events: [{}], metadata: undefined, expectedLastChangeset: number },
  { events: [{}], expectedLastChangeset: undefined, expectedLastEvent: undefined },
  { events: [{}], expectedLastChangeset: undefined, expectedLastEvent: 3 },
];

export const ranges = ({ number }: Given): Range[] => [{ from: number, to: number }];

export const options = ({ number, text, signal }: Given) => {
  const subscription: SubscriptionOptions = {
    signal,
    after: text,
    maxRetryDelayMs: number,
    onReconnect: undefined,
    maxReconnectAttempts: undefined,
  };
  const global: GlobalSubscriptionOptions = { ...subscription, checkpoint: number };
  const stream: StreamSubscriptionOptions = { ...subscription, from: number };
  const enumerate: EnumerateOptions = { from: number, pageSize: number, signal };
  const request: RequestOptions = { signal };
  const client: ClientOptions = {
    url: 'http://127.0.0.1:3000',
    token: text,
    fetch: undefined,
    headers: undefined,
    timeoutMs: number,
  };
  return { subscription, global, stream, enumerate, request, client };
};

export const readPage = (client: EventStoreClient, { number }: Given): Promise<GlobalPage> =>
  client.readGlobal({ checkpoint: number, limit: number });

/** The codes of the Node server's answers to requests it cannot parse are `ErrorCode`s too. */
export const unparsableRequestCodes: ErrorCode[] = [
  'BAD_REQUEST',
  'HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT',
];

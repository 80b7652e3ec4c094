import type { Fetch } from '../../src/client/index.js';

/** One request a `fetch` double saw. */
export interface SeenRequest {
  readonly url: string;
  readonly headers: Headers;
  readonly signal: AbortSignal | undefined;
}

const seen = (input: string, init: RequestInit | undefined): SeenRequest => ({
  url: input,
  headers: new Headers(init?.headers),
  signal: init?.signal ?? undefined,
});

/**
 * Real `fetch`, except that the body of event-stream connection `i` ends after
 * `dropAfter[i]` messages, as when the network drops: the tests choose exactly where a
 * subscription loses its connection (in the middle of a changeset, say).
 */
export function droppingFetch(dropAfter: readonly (number | undefined)[]): {
  fetch: Fetch;
  requests: SeenRequest[];
} {
  const requests: SeenRequest[] = [];
  const fetchFunction: Fetch = async (input, init) => {
    const index = requests.length;
    requests.push(seen(input, init));
    const response = await fetch(input, init);
    const limit = dropAfter[index];
    if (limit === undefined || response.body === null) return response;
    return new Response(firstMessages(response.body, limit), {
      status: response.status,
      headers: response.headers,
    });
  };
  return { fetch: fetchFunction, requests };
}

/** The stream up to and including its `limit`-th message with an id, then its end. */
function firstMessages(
  body: ReadableStream<Uint8Array>,
  limit: number,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = '';
  let count = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      pending += decoder.decode(value, { stream: true });
      let end = pending.indexOf('\n\n');
      while (end !== -1) {
        const block = pending.slice(0, end + 2);
        pending = pending.slice(end + 2);
        controller.enqueue(encoder.encode(block));
        if (/^id:/m.test(block) && ++count === limit) {
          controller.close();
          await reader.cancel();
          return;
        }
        end = pending.indexOf('\n\n');
      }
    },
    cancel: () => reader.cancel(),
  });
}

/**
 * A server that answers each request with the next scripted response: an event-stream body
 * (a string), or a whole `Response`. After the script, requests wait until aborted.
 */
export function scriptedFetch(script: readonly (string | (() => Response))[]): {
  fetch: Fetch;
  requests: SeenRequest[];
} {
  const requests: SeenRequest[] = [];
  const fetchFunction: Fetch = (input, init) => {
    const step = script[requests.length];
    requests.push(seen(input, init));
    if (step === undefined) {
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    }
    return Promise.resolve(
      typeof step === 'string'
        ? new Response(step, { headers: { 'content-type': 'text/event-stream' } })
        : step(),
    );
  };
  return { fetch: fetchFunction, requests };
}

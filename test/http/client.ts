/** A response as the contract tests look at it: status, content type and parsed JSON body. */
export interface HttpResponse {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: unknown;
}

export type HttpClient = (
  method: string,
  path: string,
  body?: string | Uint8Array,
) => Promise<HttpResponse>;

/** Turns any `fetch`-shaped function (a Hono app's `request`, or global fetch) into a client. */
export const httpClient =
  (fetchLike: (path: string, init: RequestInit) => Promise<Response> | Response): HttpClient =>
  async (method, path, body) => {
    const response = await fetchLike(path, {
      method,
      ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  };

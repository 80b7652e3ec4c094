/** The methods the API answers, as CORS allows them to browser pages. */
export const CORS_ALLOW_METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS'];

/**
 * The request headers the client SDK sends: `Authorization` for tokens, `Content-Type` and
 * `Accept`, `Last-Event-ID` when resuming a subscription.
 */
export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'Last-Event-ID'];

/** How long a browser may reuse a preflight answer, in seconds. */
export const CORS_MAX_AGE_S = 600;

/**
 * Reads `*` or a comma-separated list of origins (`scheme://host[:port]`, as browsers send them
 * in `Origin`: no path, no trailing slash); an empty text is no origin at all.
 */
export function parseCorsOrigins(raw: string): { value: string[] } | { reason: string } {
  if (raw === '') return { value: [] };
  const origins = raw.split(',').map((origin) => origin.trim());
  for (const origin of origins) {
    if (origin === '*') continue;
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== origin) {
      return {
        reason: `${JSON.stringify(origin)} is not an origin: expected * or scheme://host[:port], like https://app.example.com`,
      };
    }
  }
  return { value: origins };
}

import { OPEN_API_DOCUMENT } from './generated.js';

export interface DocumentOptions {
  /** The package version, as `GET /version` reports it. */
  readonly version: string;
  /** Whether requests need an API token (a bearer token). */
  readonly bearer: boolean;
}

/** How the document describes API tokens, when the server requires them. */
export const BEARER_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  description: 'An API token: `read` for GET endpoints, `write` also for commits.',
} as const;

/**
 * The OpenAPI 3.1 document of the HTTP API: the one generated from the zod schemas at
 * development time (`npm run openapi`, tools/openapi), with this server's version and, when it
 * requires tokens, the bearer scheme. Serving it loads no schema library.
 */
export function openApiDocument({ version, bearer }: DocumentOptions): object {
  const { info, components } = OPEN_API_DOCUMENT;
  return {
    ...OPEN_API_DOCUMENT,
    info: { ...info, version },
    ...(bearer
      ? {
          components: { ...components, securitySchemes: { bearer: BEARER_SCHEME } },
          security: [{ bearer: [] }],
        }
      : {}),
  };
}

import { isDeepStrictEqual } from 'node:util';
import type { z } from '@hono/zod-openapi';
import { PATHS } from '../../tools/openapi/paths.js';
import { ErrorResponse } from '../../tools/openapi/schemas.js';
import type { HttpClient, HttpResponse } from './client.js';

interface DocumentedResponse {
  readonly content?: Readonly<Record<string, { readonly schema?: unknown }>>;
}

interface DocumentedRoute {
  readonly method: string;
  /** What the route's paths match: each `{parameter}` is one path segment. */
  readonly pattern: RegExp;
  readonly responses: Readonly<Record<string, DocumentedResponse | undefined>>;
}

const ROUTES: readonly DocumentedRoute[] = PATHS.map((route) => ({
  method: route.method.toUpperCase(),
  pattern: new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '[^/]*')}$`),
  responses: route.responses,
}));

/** The contract's answer to a path or method it does not define. */
const UNKNOWN_ENDPOINT = { status: 404, body: { message: 'Invalid endpoint' } };

/**
 * Why an answer is not what the OpenAPI document says that request gets, or undefined when it
 * is: the status must be one the route lists, and a JSON body must match that status's schema,
 * whose objects are closed, so a field the document does not name fails too.
 */
export function undocumented(
  method: string,
  target: string,
  response: HttpResponse,
): string | undefined {
  const path = target.split('?', 1)[0] ?? '';
  const answer = `${method} ${target} answered ${String(response.status)} ${JSON.stringify(response.body)}`;
  const route = ROUTES.find((r) => r.method === method && r.pattern.test(path));
  if (route === undefined) {
    // The contract's 404, or an error of the checks made before routing (tokens, host, the
    // stream id of a /streams path), in the documented error shape.
    const { status, body } = response;
    const beforeRouting = status >= 400 && status < 500 && ErrorResponse.safeParse(body).success;
    return isDeepStrictEqual({ status, body }, UNKNOWN_ENDPOINT) || beforeRouting
      ? undefined
      : `${answer}, but the document has no such route`;
  }
  const documented = route.responses[String(response.status)];
  if (documented === undefined) return `${answer}, a status the document does not list`;
  if (response.body === undefined) return undefined;
  const schema = documented.content?.['application/json']?.schema as z.ZodType | undefined;
  if (schema === undefined) return `${answer}, but the document gives that status no JSON body`;
  const result = schema.safeParse(response.body);
  return result.success ? undefined : `${answer}, against the document: ${result.error.message}`;
}

/** A client that fails the test on any answer the OpenAPI document does not describe. */
export const documentedClient =
  (client: HttpClient, onUndocumented: (reason: string) => void): HttpClient =>
  async (method, target, body) => {
    const response = await client(method, target, body);
    const reason = undocumented(method, target, response);
    if (reason !== undefined) onUndocumented(reason);
    return response;
  };

import type { Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import type { AppOptions } from '../http/index.js';
import { createApp } from '../http/index.js';
import type { ApiGatewayEvent } from './api-event.js';
import { prepareApiEvent } from './api-event.js';

/** What the function returns to API Gateway (both payload versions accept this shape). */
export interface ApiGatewayResult {
  readonly statusCode: number;
  readonly body: string;
  readonly isBase64Encoded: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[]>>;
  readonly cookies?: readonly string[];
}

/** The API function: any invocation in, an API Gateway result out; it never throws. */
export type ApiHandler = (event: unknown, context?: Context) => Promise<ApiGatewayResult>;

/** The same options as the Node server's app: store, version, limits. */
export type ApiHandlerOptions = AppOptions;

const jsonResult = (statusCode: number, body: Record<string, unknown>): ApiGatewayResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
  isBase64Encoded: false,
});

/**
 * The HTTP contract on AWS Lambda: the same Hono app as the Node server (`createApp`), behind
 * Hono's API Gateway adapter, for REST API (payload 1.0) and HTTP API (payload 2.0) events.
 *
 * Before the adapter sees an event it is checked and its path normalised (`prepareApiEvent`):
 * an event that is no API Gateway request gets a 400 `INVALID_REQUEST`, and an error escaping
 * the adapter a 500 `INTERNAL_ERROR`, so an invocation never ends in a function error (which
 * API Gateway would turn into a bare 502).
 *
 * @example
 * ```ts
 * const handler = createApiHandler({ store: createMemoryStore(), version: '1.0.0' });
 * const result = await handler({ version: '2.0', rawPath: '/version', ... });
 * ```
 */
export function createApiHandler(options: ApiHandlerOptions): ApiHandler {
  const app = createApp(options);
  const report =
    options.onUnexpectedError ??
    ((error: unknown) => {
      console.error(error);
    });
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- its successor, @hono/aws-lambda, is not on npm yet; it is the same adapter.
  const adapter = handle(app);
  type AdapterEvent = Parameters<typeof adapter>[0];
  return async (event, context) => {
    try {
      const prepared = prepareApiEvent(event);
      if (prepared.problem !== undefined) {
        return jsonResult(400, {
          error: 'INVALID_REQUEST',
          message: `Not an API Gateway proxy request: ${prepared.problem}.`,
        });
      }
      const result = await adapter(
        prepared.event satisfies ApiGatewayEvent as unknown as AdapterEvent,
        context,
      );
      return result as ApiGatewayResult;
    } catch (error) {
      report(error);
      return jsonResult(500, {
        error: 'INTERNAL_ERROR',
        message: 'An unexpected error occurred.',
      });
    }
  };
}

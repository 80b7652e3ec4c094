import { HTTPException } from 'hono/http-exception';
import { EesError, isEesError } from '../core/index.js';

/**
 * Any error as the one error type: ours pass through, a framework's 4xx stays a client error,
 * and everything else becomes a bare 500 whose details go to the log, never to the client.
 */
export const toEesError = (error: unknown): EesError => {
  if (isEesError(error)) return error;
  if (error instanceof HTTPException && error.status < 500) {
    return new EesError('INVALID_BODY', error.message, { cause: error });
  }
  return new EesError('INTERNAL_ERROR', 'An unexpected error occurred.', { cause: error });
};

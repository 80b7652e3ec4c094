/**
 * The URL with its password replaced by `***`, for messages and logs: a database URL often
 * carries the credentials, and start-up errors end up in log aggregators.
 */
export function redactPassword(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

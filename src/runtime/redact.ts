/**
 * The URL with its password replaced by `***`, for messages and logs: a database URL often
 * carries the credentials, and start-up errors end up in log aggregators.
 */
export function redactPassword(url: string): string {
  return (
    url
      // Every URL in the text, one given as a parameter of another included (a DynamoDB
      // `endpoint=`). The password runs to the last `@` of the authority: drivers take a raw
      // `@` in it as part of the password, not as its end.
      // `//` rather than `scheme://`: a misspelt scheme (`postgres//`) still hides it.
      .replace(/(\/\/[^:/?#@\s]*):[^/?#\s]*@/g, '$1:***@')
      .replace(/([?&]password=)[^&#]*/gi, '$1***')
  );
}

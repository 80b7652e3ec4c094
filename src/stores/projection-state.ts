/**
 * A projection's state as the SQL stores keep it: JSON text, and SQL NULL for an `undefined`
 * state, which JSON cannot spell (so it stays apart from a JSON `null`).
 */
export const encodeProjectionState = (state: unknown): string | null =>
  state === undefined ? null : JSON.stringify(state);

export const decodeProjectionState = (state: string | null): unknown =>
  state === null ? undefined : JSON.parse(state);

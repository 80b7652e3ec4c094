/**
 * Parses a query-string value as a non-negative integer. Only plain decimal digits are
 * accepted ("1e3", "+1", " 1", "1.0" are not), and only values JavaScript holds exactly.
 * Returns `undefined` for anything else.
 */
export function parseNonNegativeInteger(raw: string): number | undefined {
  if (!/^[0-9]+$/.test(raw)) return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : undefined;
}

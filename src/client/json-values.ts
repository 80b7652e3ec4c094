/*
 * What `JSON.stringify` would change without a word: `NaN` and the infinities become `null`,
 * `undefined`, functions and symbols vanish from objects (and become `null` in arrays), and a
 * bigint or a cycle throws a bare TypeError. A commit is refused before anything is sent
 * instead, naming where the value is.
 */

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `events[1].amount`, `metadata["trace id"]`. */
const pathOf = (parent: string, key: string | number): string =>
  typeof key === 'number'
    ? `${parent}[${key}]`
    : IDENTIFIER.test(key)
      ? `${parent}.${key}`
      : `${parent}[${JSON.stringify(key)}]`;

/** What is wrong with a value JSON cannot carry, or `undefined` for one it can. */
function problemOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? undefined : String(value);
    case 'bigint':
      return `a bigint (${value}n)`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return undefined;
  }
}

const refuse = (path: string, what: string): never => {
  throw new TypeError(`${path} is ${what}, which JSON cannot carry`);
};

/**
 * Throws a `TypeError` naming the first value under `value` (at `path`) that `JSON.stringify`
 * would drop, change or choke on. An object with a `toJSON` method (a `Date`) is left to it,
 * as `JSON.stringify` does.
 */
export function assertJsonCarries(
  value: unknown,
  path: string,
  ancestors: { readonly value: object; readonly path: string }[] = [],
): void {
  const problem = problemOf(value);
  if (problem !== undefined) refuse(path, problem);
  if (typeof value !== 'object' || value === null) return;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return;
  const ancestor = ancestors.find((candidate) => candidate.value === value);
  if (ancestor !== undefined) refuse(path, `${ancestor.path} again (a cycle)`);
  ancestors.push({ value, path });
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      assertJsonCarries(value[index], pathOf(path, index), ancestors);
    }
  } else {
    for (const [key, item] of Object.entries(value)) {
      assertJsonCarries(item, pathOf(path, key), ancestors);
    }
  }
  ancestors.pop();
}

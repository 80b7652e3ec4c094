import { readFileSync } from 'node:fs';

/**
 * The package's version, from the package.json two levels above this module. That relation
 * holds both for the source (`src/runtime/`) and the build (`dist/runtime/`), and for an
 * installed copy, whatever the working directory.
 */
export function readPackageVersion(): string {
  const manifest: unknown = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  );
  const version = (manifest as { version?: unknown } | null)?.version;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/*
 * Where the CDK app finds the event store it deploys: the package two levels up. Its functions
 * are bundled from its sources with its own lock file, and the table and environment variable
 * names come from its modules, so the deployment follows the code it deploys.
 */

/** The event store package's root (the repository root). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Its lock file, which pins what the functions are bundled with. */
export const LOCK_FILE = fileURLToPath(new URL('../../../package-lock.json', import.meta.url));

/** The four Lambda entry points, each a thin file reading its environment. */
export const ENTRIES = {
  api: fileURLToPath(new URL('../../../src/runtime/lambda/api.ts', import.meta.url)),
  indexer: fileURLToPath(new URL('../../../src/runtime/lambda/indexer.ts', import.meta.url)),
  publisher: fileURLToPath(new URL('../../../src/runtime/lambda/publisher.ts', import.meta.url)),
  statistics: fileURLToPath(new URL('../../../src/runtime/lambda/statistics.ts', import.meta.url)),
} as const;

/** The event store's version: what `GET /version` answers once deployed. */
export function projectVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new Error('package.json has no version');
  return manifest.version;
}

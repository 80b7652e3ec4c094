import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './server.js';
import { startTestServer } from './server.js';

/*
 * The client package (`packages/client`) as a user gets it: packed by npm from what
 * `npm run build` left there, installed into an empty project with npm working offline (so it
 * can fetch nothing), type-checked without Node's types, and run against a real server.
 */

const run = promisify(execFile);
const PACKAGE_DIR = fileURLToPath(new URL('../../packages/client/', import.meta.url));
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
const NAME = '@elastic-event-store/client';

interface PackResult {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

let project: string;
let packed: PackResult;
let server: TestServer;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'ees-client-package-'));
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--pack-destination', project, '--no-audit', '--no-fund'],
    { cwd: PACKAGE_DIR },
  );
  [packed] = JSON.parse(stdout) as [PackResult];
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', `./${packed.filename}`], {
    cwd: project,
  });
  server = await startTestServer();
}, 120_000);

afterAll(async () => {
  await server.close();
  await rm(project, { recursive: true, force: true });
});

describe('the client package', () => {
  it('holds the built SDK, the pure core it names, its manifest, README and licence', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'dist/client/index.js',
        'dist/client/index.d.ts',
      ]),
    );
    const unexpected = paths.filter(
      (path) =>
        !['package.json', 'README.md', 'LICENSE'].includes(path) &&
        !/^dist\/(client|core)\/[\w-]+\.(js|d\.ts|js\.map)$/.test(path),
    );
    expect(unexpected).toEqual([]);
  });

  it("keeps the server package's version and Node range", async () => {
    const read = async (path: string): Promise<{ version: string; engines: unknown }> =>
      JSON.parse(await readFile(path, 'utf8')) as { version: string; engines: unknown };
    const client = await read(join(project, 'node_modules', NAME, 'package.json'));
    const main = await read(fileURLToPath(new URL('../../package.json', import.meta.url)));
    expect({ version: client.version, engines: client.engines }).toEqual({
      version: main.version,
      engines: main.engines,
    });
  });

  it('installs with nothing else: no server dependencies, no native build', async () => {
    const installed = (await readdir(join(project, 'node_modules'))).filter(
      (entry) => !entry.startsWith('.'),
    );
    expect(installed).toEqual(['@elastic-event-store']);
    expect(await readdir(join(project, 'node_modules', '@elastic-event-store'))).toEqual([
      'client',
    ]);
  });

  it("type-checks a consumer without Node's types, as a web page would", async () => {
    await writeFile(
      join(project, 'consumer.ts'),
      `import { ConcurrencyError, createClient } from '${NAME}';
import type { ErrorCode } from '${NAME}';
const client = createClient({ url: 'http://127.0.0.1:3000' });
const code: ErrorCode = 'STREAM_NOT_FOUND';
export const done: Promise<number> = client
  .commit('s', { events: [{ type: 'a' }], expectedLastChangeset: 0 })
  .then((result) => result.changesetId)
  .catch((error: unknown) => (error instanceof ConcurrencyError ? -1 : code.length));
`,
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          noEmit: true,
          strict: true,
          noUncheckedIndexedAccess: true,
          target: 'es2023',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['es2023', 'dom'],
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    const check = run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project });
    await expect(check).resolves.toBeDefined();
  }, 60_000);

  it('commits and reads against a real server once installed', async () => {
    await writeFile(
      join(project, 'use.mjs'),
      `import { ConcurrencyError, createClient } from '${NAME}';
const client = createClient({ url: process.argv[2] });
const committed = await client.commit('package-1', { events: [{ type: 'opened' }], expectedLastChangeset: 0 });
const conflict = await client
  .commit('package-1', { events: [{ type: 'again' }], expectedLastChangeset: 0 })
  .catch((error) => error instanceof ConcurrencyError && error.forthcoming.length);
const events = await client.readEvents('package-1');
console.log(JSON.stringify({ committed, conflict, types: events.map((event) => event.data.type) }));
`,
    );
    const { stdout } = await run(process.execPath, ['use.mjs', server.url], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      committed: { streamId: 'package-1', changesetId: 1 },
      conflict: 1,
      types: ['opened'],
    });
  }, 30_000);
});

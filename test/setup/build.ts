import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the package once for the whole test run, before any test file starts: several files
 * spawn the `ees` command as it ships (compiled, from dist/), and building in each of them would
 * both cost tens of seconds apiece and race on the same output files.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The sources `tsconfig.build.json` compiles: the `.ts` files under `src`, tests excepted. */
function sourceFiles(directory = join(ROOT, 'src')): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const modifiedAt = (path: string): number =>
  statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;

/**
 * Whether every source has a compiled file newer than itself and than the compiler settings.
 * Sound because the project compiles with `isolatedModules` and `verbatimModuleSyntax`: each
 * emitted `.js` depends only on its own `.ts` and the settings, never on other files' types.
 */
function distIsFresh(): boolean {
  const settings = Math.max(
    ...['tsconfig.json', 'tsconfig.build.json'].map((name) => modifiedAt(join(ROOT, name))),
  );
  return sourceFiles().every((source) => {
    const output = join(ROOT, 'dist', relative(join(ROOT, 'src'), source).replace(/\.ts$/, '.js'));
    const built = modifiedAt(output);
    return built >= modifiedAt(source) && built >= settings;
  });
}

export default function setup(): void {
  if (distIsFresh()) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  } catch (error) {
    // tsc reports compile errors on stdout, which the default message leaves out.
    const output = (error as { stdout?: Buffer }).stdout?.toString('utf8') ?? '';
    throw new Error(`The build failed:\n${output}`, { cause: error });
  }
  chmodSync(join(ROOT, 'dist/runtime/cli.js'), 0o755);
}

import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./exact-optional-types.ts', import.meta.url));

/** The project's compiler settings (tsconfig.json), with `overrides` on top. */
function compilerOptions(overrides: ts.CompilerOptions): ts.CompilerOptions {
  const path = `${ROOT}tsconfig.json`;
  const { config } = ts.readConfigFile(path, (file) => ts.sys.readFile(file)) as {
    config: unknown;
  };
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dirname(path));
  return { ...parsed.options, ...overrides, noEmit: true };
}

/** `file:line: message` for each diagnostic. */
const described = (diagnostics: readonly ts.Diagnostic[]): string[] =>
  diagnostics.map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    return `${relative(ROOT, diagnostic.file.fileName)}:${line + 1}: ${message}`;
  });

describe('the SDK types', () => {
  it('take an explicit undefined for every optional option under exactOptionalPropertyTypes, and name every code the server sends', () => {
    const program = ts.createProgram(
      [FIXTURE],
      compilerOptions({ exactOptionalPropertyTypes: true }),
    );
    expect(described(ts.getPreEmitDiagnostics(program))).toEqual([]);
  }, 60_000);
});

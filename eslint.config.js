// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // infra/aws is its own package (CDK): it is linted and tested by its own scripts.
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'infra/', 'packages/*/dist/'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The client SDK runs in browsers too: web APIs only, and nothing of the server at run time.
    files: ['src/client/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'better-sqlite3', 'pg', '@aws-sdk/*', 'hono', 'hono/*', '@hono/*'],
              message: 'src/client runs in browsers: no Node built-ins, drivers or server code.',
            },
            {
              group: ['../*'],
              allowTypeImports: true,
              message: 'src/client imports only types from the rest of the package.',
            },
          ],
        },
      ],
    },
  },
  {
    // The core is pure: commit rules, checkpoints and errors never touch I/O, Node, drivers or SDKs.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'src/core is pure: no Node built-ins.' },
            {
              group: ['better-sqlite3', 'pg', 'pg-*', '@aws-sdk/*', 'hono', 'hono/*', '@hono/*'],
              message: 'src/core is pure: no drivers, SDKs or HTTP frameworks.',
            },
            { group: ['../*', '!./*'], message: 'src/core imports only from src/core.' },
          ],
        },
      ],
    },
  },
);

// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
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

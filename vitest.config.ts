import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/setup/build.ts', 'test/setup/dynamodb-local.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});

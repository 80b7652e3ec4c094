import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synthesis bundles the four functions with esbuild: seconds, more on a busy machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

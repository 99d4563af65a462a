import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['services/**/*.test.ts', 'shared/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The integration tests each run a host (a broker and a dozen processes) on a two-core machine:
    // one file at a time keeps their timing honest, and costs little, as they fill both cores anyway.
    fileParallelism: false,
  },
});

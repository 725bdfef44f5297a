import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Tests that run the bot as a process run dist/, as npm start does: build it once, first.
    globalSetup: ['test/support/build-once.ts'],
  },
});

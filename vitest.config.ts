import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// A card must not depend on the server's own TZ. Files named *.tz.test.ts (those whose output shows
// times) run once under each of these process time zones; every other file runs once, under a
// zone that is neither UTC nor TIMEZONE's default, so an accidental dependence still shows.
const TZ_ZONES = ['UTC', 'Asia/Shanghai', 'America/New_York'];
const ONCE_ZONE = 'America/New_York';
const TZ_FILES = 'test/**/*.tz.test.ts';

// Options every project shares. globalSetup is not among them: the root runs it, so dist/ is built
// once for all projects rather than once per project.
const shared = {
  testTimeout: 20_000,
  hookTimeout: 20_000,
  pool: 'forks',
  // The run is CPU-bound on two cores, and importing the bot's module graph afresh for every file
  // cost about a fifth of it (import 127 s summed, 62 s without isolation: 153 s → 134 s of vitest).
  // No test mocks modules or changes the process's environment, and each builds its own bot,
  // store and servers, so files share a worker's module cache safely.
  isolate: false,
} as const;

const project = (name: string, zone: string, include: string[], exclude: string[] = []): TestProjectInlineConfiguration => ({
  // The zone is in the worker's environment from its start, as TZ=… npm start would have it.
  test: { ...shared, name, include, exclude, env: { TZ: zone } },
});

export default defineConfig({
  test: {
    ...shared,
    // Most files wait on sockets, child processes and rate limits rather than on the CPU, so two
    // workers per core keep both cores busy. Measured on 2 cores, vitest alone: 2 workers 56 s,
    // 3 46 s, 4 43 s, 6 42 s (vitest's default here is cores - 1 = 1).
    maxWorkers: 4,
    // Tests that run the bot as a process run dist/, as npm start does: build it once, first.
    // …and a PostgreSQL server for the tests that need one (TEST_DATABASE_URL, or one from npm).
    globalSetup: ['test/support/build-once.ts', 'test/support/postgres-server.ts'],
    projects: [
      ...TZ_ZONES.map((zone) => project(`tz:${zone}`, zone, [TZ_FILES])),
      project(`once:${ONCE_ZONE}`, ONCE_ZONE, ['test/**/*.test.ts'], [TZ_FILES]),
    ],
  },
});

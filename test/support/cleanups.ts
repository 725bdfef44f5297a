// Things a test opened (databases, stores, leases), undone after each test, newest first.
import { afterEach } from 'vitest';

/** Registers the afterEach hook; push an undo for each thing opened. */
export function cleanupsAfterEach(): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}

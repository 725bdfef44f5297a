// Old events are purged by the instance that sends, and only while it sends: on PostgreSQL the
// replicas would otherwise all delete the same rows each hour, waiting on one another's row locks.
// The first purge comes soon after sending starts, not an hour later, so that an instance
// restarted (or taken over from) more often than hourly still purges.
import type { Logger } from '../log.js';
import type { Store } from './store.js';

/**
 * Events are remembered at least this long: for dedupe (Feishu retries for ~7 h), and so that a
 * revocation can still find the cards of its approval while Feishu lets them be edited (14 days).
 */
export const RETENTION_MS = 15 * 24 * 60 * 60_000;

export interface RetentionOptions {
  /** How long events are kept. */
  keepMs: number;
  /** How long after start() the first purge runs: start-up and a take-over have other work first. */
  firstAfterMs: number;
  /** Then how often. */
  everyMs: number;
  /** Events deleted per statement; the process takes requests between two. */
  chunk: number;
}

// SQLite deletes on the event loop: 100,000 events in one statement held it for 1.7 s (Feishu
// waits 3 s for an answer); in chunks of 1,000, for at most 53 ms at a time (2.9 s in all).
export const RETENTION_DEFAULTS: RetentionOptions = { keepMs: RETENTION_MS, firstAfterMs: 60_000, everyMs: 60 * 60_000, chunk: 1000 };

export function retention(store: Pick<Store, 'purgeBefore'>, now: () => number, log: Logger, options: Partial<RetentionOptions> = {}) {
  const { keepMs, firstAfterMs, everyMs, chunk } = { ...RETENTION_DEFAULTS, ...options };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  /** Between start() and stop(). */
  let active = false;

  async function purge(): Promise<void> {
    let purged = 0;
    try {
      const cutoff = now() - keepMs;
      for (;;) {
        const { events, more } = await store.purgeBefore(cutoff, chunk);
        purged += events;
        // Stopped (no longer the sender, or shutting down): the rest waits for the next purge.
        if (!more || !active) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (purged > 0) log.info('old events purged', { purged });
      else log.debug('purge: no event old enough', { keptDays: keepMs / 86_400_000 });
    } catch (error) {
      // The chunks before the failure stay purged; the next purge goes on from there.
      log.error('purge failed', { error, purged });
    }
  }

  const arm = (ms: number) => {
    timer = setTimeout(() => {
      timer = undefined;
      running = purge().finally(() => {
        running = undefined;
        if (active && !timer) arm(everyMs);
      });
    }, ms);
    // An hourly chore must not keep the process alive.
    timer.unref();
  };

  return {
    /** Begins purging (again after stop()); calling it while started changes nothing. */
    start(): void {
      if (active) return;
      active = true;
      if (!timer) arm(firstAfterMs);
    },
    /** No purge starts after this; resolves once a purge in flight has ended (before the store closes). */
    async stop(): Promise<void> {
      active = false;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

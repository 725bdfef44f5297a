// DATABASE_POOL_SIZE: a small managed PostgreSQL allows few connections, shared by every replica.
// The bot as a process under a burst keeps to the number it is given, and still stores and sends
// every event.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { burst, exactlyOnce, pushAll } from '../support/burst.js';
import { eventually } from '../support/harness.js';
import { postgresBots } from '../support/postgres-bots.js';

const bots = postgresBots();

describe('DATABASE_POOL_SIZE', () => {
  it('is the most connections a replica opens under a burst, and the burst is stored and sent in full', async () => {
    const url = await bots.database();
    const { bot, webhook } = await bots.instance(url, 'pod-small', { DATABASE_POOL_SIZE: '3' });
    await bot.ready;
    const watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    // The connections the replica holds at each look: a backend counts if it is still there at the
    // next look. One the pool let go (idle for 10 s) lingers for a moment while PostgreSQL ends it,
    // beside the one that replaces it; on a busy machine a look caught both (4 of 3).
    let most = 0;
    let watching = true;
    const watch = (async () => {
      let previous: number[] = [];
      while (watching) {
        const { rows } = await watcher.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
        const now = new Set(rows.map((r) => r.pid));
        most = Math.max(most, previous.filter((pid) => now.has(pid)).length);
        previous = [...now];
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      await pushAll((event) => bots.push(webhook, event), burst(200, 20, 'ev_pool'), 20);
      await eventually(() => exactlyOnce(bots.sandbox.messages, 200) || undefined, 'every approval once in a DM and once in the chat', 30_000);
    } finally {
      watching = false;
      await watch;
      await watcher.end();
    }
    expect(most).toBeGreaterThanOrEqual(2); // it was watched while the bot worked
    expect(most).toBeLessThanOrEqual(3);
  }, 60_000);
});

// DATABASE_POOL_SIZE: a small managed PostgreSQL allows few connections, shared by every replica.
// The bot as a process under a burst keeps to the number it is given, and still stores and sends
// every event; each of its connections names the replica in pg_stat_activity.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { burst, exactlyOnce, pushAll } from '../support/burst.js';
import { eventually } from '../support/harness.js';
import { postgresBots } from '../support/postgres-bots.js';

const bots = postgresBots();

describe('DATABASE_POOL_SIZE', () => {
  it('is the most connections a replica opens under a burst, and the burst is stored and sent in full', async () => {
    const url = await bots.database();
    const { bot, base, webhook } = await bots.instance(url, 'pod-small', { DATABASE_POOL_SIZE: '3' });
    await bot.ready;
    const watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    // Client connections only: an autovacuum worker on the burst's tables is listed under the
    // database too, and a look that caught one beside the bot's three counted 4 of 3.
    let most = 0;
    let busiest = '';
    const names = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const { rows } = await watcher.query<{ pid: number; state: string | null; application_name: string }>(
          "SELECT pid, state, application_name FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
        );
        if (rows.length > most) [most, busiest] = [rows.length, JSON.stringify(rows)];
        for (const row of rows) names.add(row.application_name);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    // …and what the replica itself reports in /metrics meanwhile.
    const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const reported = { most: 0, busy: 0, max: NaN, waiters: NaN };
    const scraping = (async () => {
      while (watching) {
        const text = await (await fetch(`${base}/metrics`)).text();
        const [idle, busy] = [gauge(text, 'approval_bot_database_connections\\{state="idle"\\}'), gauge(text, 'approval_bot_database_connections\\{state="busy"\\}')];
        reported.most = Math.max(reported.most, idle + busy);
        reported.busy = Math.max(reported.busy, busy);
        reported.max = gauge(text, 'approval_bot_database_connections_max');
        reported.waiters = gauge(text, 'approval_bot_database_connection_waiters');
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await pushAll((event) => bots.push(webhook, event), burst(200, 20, 'ev_pool'), 20);
      await eventually(() => exactlyOnce(bots.sandbox.messages, 200) || undefined, 'every approval once in a DM and once in the chat', 30_000);
    } finally {
      watching = false;
      await Promise.all([watch, scraping]);
      await watcher.end();
    }
    expect(most).toBeGreaterThanOrEqual(2); // it was watched while the bot worked
    expect(most, `the busiest look: ${busiest}`).toBeLessThanOrEqual(3);
    expect(reported.max).toBe(3);
    expect(reported.waiters).toBeGreaterThanOrEqual(0);
    expect(reported.busy).toBeGreaterThanOrEqual(1);
    expect(reported.most).toBeLessThanOrEqual(3);
    // A DBA sees in pg_stat_activity which replica each connection belongs to.
    expect([...names]).toEqual(['feishu-approval-bot pod-small']);
  }, 60_000);
});

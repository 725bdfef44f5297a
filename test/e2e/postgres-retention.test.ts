// Several instances on one PostgreSQL database: only the sending one purges old events, and the
// next sender takes the chore over with the sending. In-process bots with a fast purge schedule
// (the real one is a minute after sending starts, then hourly).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBot, type Bot } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/open-platform.js';
import { SANDBOX_APP, sandboxEnv } from '../../src/sandbox/sandbox-settings.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres.js';
import { RETENTION_MS } from '../../src/store/retention.js';
import { readiness } from '../support/bot-process.js';
import { eventually, FAST_WORKER } from '../support/harness.js';
import { freshDatabase } from '../support/postgres.js';
import { senderSeenBy } from '../support/postgres-bots.js';
import { storedApproval } from '../support/stored-events.js';

/** An approval just past the retention period. */
const old = (eventId: string) => storedApproval(eventId, Date.now() - RETENTION_MS - 60_000);

describe('purging old events with several instances on PostgreSQL', () => {
  let sandbox: Sandbox;
  let dir: string;
  let db: { url: string; drop: () => Promise<void> };
  let store: PostgresStore;
  const bots: Bot[] = [];

  beforeEach(async () => {
    sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
    dir = mkdtempSync(join(tmpdir(), 'pg-retention-'));
    db = await freshDatabase();
    store = openPostgresStore(db.url);
    await store.started;
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop();
    await store.close();
    await db.drop();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An instance that purges 50 ms after it starts sending, then every 100 ms; its log lines kept. */
  async function instance(name: string) {
    const lines: Array<Record<string, unknown>> = [];
    const config = loadConfig({ ...sandboxEnv(sandbox.url, join(dir, 'unused.sqlite')), DATABASE_URL: db.url, INSTANCE_ID: name, SENDER_LEASE_SECONDS: '2' });
    const log = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
    const bot = await startBot({ config, log, hostname: '127.0.0.1', worker: FAST_WORKER, retention: { firstAfterMs: 50, everyMs: 100 } });
    bots.push(bot);
    const purges = () => lines.filter((l) => l.msg === 'old events purged' || l.msg === 'purge: no event old enough' || l.msg === 'purge failed');
    return { name, bot, purges };
  }

  it('only the sender purges; when it stops, the instance that takes over purges', async () => {
    const a = await instance('pod-a');
    const b = await instance('pod-b');
    const first = await senderSeenBy(a.bot.url);
    const [sender, standby] = first === 'pod-a' ? [a, b] : [b, a];

    await store.recordEvent(old('ev_old_1'), []);
    await eventually(() => sender.purges().some((l) => l.msg === 'old events purged'), 'the sender purges the old event');
    expect(await store.event('ev_old_1')).toBeUndefined();
    await eventually(() => sender.purges().length >= 5, 'the sender purging on its schedule');
    expect(standby.purges()).toEqual([]);

    // A rolling update stops the sender; the other instance takes the lease, and the purging with it.
    await sender.bot.stop();
    bots.splice(bots.indexOf(sender.bot), 1);
    await eventually(async () => (await readiness(standby.bot.url)).checks.sender?.sending === true, 'the standby sends', 10_000);
    await store.recordEvent(old('ev_old_2'), []);
    await eventually(() => standby.purges().some((l) => l.msg === 'old events purged'), 'the new sender purges');
    expect(await store.event('ev_old_2')).toBeUndefined();
    expect(standby.purges().filter((l) => l.msg === 'purge failed')).toEqual([]);
  }, 30_000);
});

// `npm run cli -- backup <file>` while the bot is taking events: the copy is whole and consistent
// (every event with all its deliveries, nothing half-written), and it opens as a database.
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/receivers/webhook.js';
import { pushEvent } from '../../src/sandbox/feishu-push.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/open-platform.js';
import { SANDBOX_APP, sandboxEnv } from '../../src/sandbox/sandbox-settings.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite-schema.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { runCli, spawnBot, type BotProcess } from '../support/bot-process.js';

const identity = { appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken };

describe('backing up the live database', () => {
  let sandbox: Sandbox;
  let bot: BotProcess;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
    dir = mkdtempSync(join(tmpdir(), 'backup-'));
    env = sandboxEnv(sandbox.url, join(dir, 'bot.sqlite'));
    bot = spawnBot(env);
    await bot.ready;
  });
  afterAll(async () => {
    bot.child.kill('SIGKILL');
    await sandbox.close();
  });

  it('copies a database that is being written to: whole, consistent, and openable', async () => {
    const url = `http://127.0.0.1:${await bot.ready}${WEBHOOK_PATH}`;
    let acknowledged = 0;
    let pushing = true;
    const push = async () => {
      while (pushing) {
        const response = await pushEvent(url, remedySeedEvent(identity, { instance_code: crypto.randomUUID() }), { encryptKey: SANDBOX_APP.encryptKey });
        expect(response.status).toBe(200);
        acknowledged++;
      }
    };
    const pushers = Array.from({ length: 4 }, push);
    while (acknowledged < 100) await new Promise((r) => setTimeout(r, 10));

    const copy = join(dir, 'copy.sqlite');
    const result = await runCli(['backup', copy], { DATABASE_URL: env.DATABASE_URL! });
    const duringBackup = acknowledged;
    // Keep writing a little after the copy, so the live database is provably ahead of it.
    while (acknowledged < duringBackup + 20) await new Promise((r) => setTimeout(r, 10));
    pushing = false;
    await Promise.all(pushers);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^backed up .+bot\\.sqlite to ${copy} in \\d+ ms: schema version ${SCHEMA_VERSION}, \\d+ events, deliveries .+, integrity ok\\n$`));
    expect(existsSync(`${copy}.partial`)).toBe(false);

    const db = new Database(copy, { readonly: true });
    const events = db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
    // A snapshot taken mid-stream: everything acknowledged before it started, not what came after.
    expect(events).toBeGreaterThanOrEqual(100);
    expect(events).toBeLessThan(acknowledged);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // Each event was stored with its two deliveries (the DM and the team chat) in one transaction.
    const halfWritten = db.prepare(`SELECT e.event_id FROM events e LEFT JOIN deliveries d ON d.event_id = e.event_id WHERE e.status = 'accepted' GROUP BY e.event_id HAVING COUNT(d.id) <> 2`).all();
    expect(halfWritten).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM deliveries WHERE event_id NOT IN (SELECT event_id FROM events)').pluck().get()).toBe(0);
    db.close();

    // Restoring is opening the copy: the same schema, the same rows.
    const restored = openSqliteStore(copy);
    expect(restored.about()).toMatchObject({ schemaVersion: SCHEMA_VERSION, migrated: [] });
    // Digest rows (a busy team chat's cards merged) come on top of the per-event rows.
    expect((await restored.deliveries()).filter((d) => d.audience !== 'digest').length).toBe(events * 2);
    await restored.close();
  });

  it('never overwrites: not an existing file, not the live database', async () => {
    const existing = join(dir, 'old-backup.sqlite');
    writeFileSync(existing, 'precious');
    const over = await runCli(['backup', existing], { DATABASE_URL: env.DATABASE_URL! });
    expect(over.code).toBe(2);
    expect(over.stderr).toContain(`${existing} exists; name a new file`);
    const live = await runCli(['backup', join(dir, 'bot.sqlite')], { DATABASE_URL: env.DATABASE_URL! });
    expect(live.code).toBe(2);
    expect(live.stderr).toContain('is the live database itself');
    const none = await runCli(['backup'], { DATABASE_URL: env.DATABASE_URL! });
    expect(none.stderr).toContain('backup needs one argument');
  });
});

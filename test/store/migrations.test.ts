// Upgrades: a database written by any earlier build opens in today's layout with every row kept,
// and the bot then works it; a database from a newer bot is refused; a failed upgrade changes nothing.
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startBot } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/open-platform.js';
import { SANDBOX_APP, sandboxEnv } from '../../src/sandbox/sandbox-settings.js';
import { CHAT_CHANGE_FILTER } from '../../src/store/chat-changes.js';
import { migrate, MIGRATIONS, SCHEMA_VERSION, SchemaError } from '../../src/store/sqlite-schema.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { FAST_WORKER } from '../support/harness.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/sqlite');
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.db')).sort();
const earlier = fixtures.filter((f) => f !== `schema-${SCHEMA_VERSION}.db`);

function copyOf(fixture: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'migrate-')), 'bot.sqlite');
  copyFileSync(join(FIXTURES, fixture), path);
  return path;
}

/** The parts of a layout that queries depend on: columns, foreign keys, indexes (with their WHERE). */
function layout(path: string) {
  const db = new Database(path, { readonly: true });
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  const result = {
    version: db.pragma('user_version', { simple: true }),
    tables: Object.fromEntries(
      tables.map((t) => [
        t,
        {
          columns: db.prepare('SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY name').all(t),
          foreignKeys: db.prepare('SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY "from"').all(t),
          checks: ((db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").pluck().get(t) as string).match(/CHECK \([^)]*\)\)/g) ?? []).sort(),
        },
      ]),
    ),
    indexes: (db.prepare("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as Array<{ name: string; tbl_name: string; sql: string }>).map(
      (i) => ({ ...i, sql: i.sql.replace(/\s+/g, ' ').replace(' IF NOT EXISTS', '') }),
    ),
  };
  db.close();
  return result;
}

function freshLayout() {
  const path = join(mkdtempSync(join(tmpdir(), 'fresh-')), 'bot.sqlite');
  openSqliteStore(path).close();
  return layout(path);
}

describe('schema migrations', () => {
  it('number the migrations 1, 2, … with no gap, and keep a fixture database of the newest schema', async () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    // After a schema change: run test/fixtures/sqlite/generate.ts and commit the new file.
    expect(fixtures).toContain(`schema-${SCHEMA_VERSION}.db`);
    expect(layout(join(FIXTURES, `schema-${SCHEMA_VERSION}.db`))).toEqual(freshLayout());
  });

  it.each(earlier)('bring %s to the newest layout, keeping every event and delivery', async (fixture) => {
    const path = copyOf(fixture);
    const before = new Database(path, { readonly: true });
    // The columns the fixture has: later schemas add some (with defaults) but change none.
    const eventColumns = (before.prepare("SELECT name FROM pragma_table_info('events')").pluck().all() as string[]).join(', ');
    const events = before.prepare(`SELECT ${eventColumns} FROM events ORDER BY event_id`).all();
    const deliveries = before.prepare('SELECT id, event_id, audience, receive_id, uuid, status, attempts, message_id, last_error, created_at FROM deliveries ORDER BY id').all();
    const from = before.pragma('user_version', { simple: true }) as number;
    before.close();
    expect(deliveries.length).toBeGreaterThanOrEqual(4);

    const store = openSqliteStore(path);
    expect(store.about()).toMatchObject({ schemaVersion: SCHEMA_VERSION, migratedFrom: from });
    expect(store.about().migrated.length).toBe(SCHEMA_VERSION - from);
    await store.close();

    expect(layout(path)).toEqual(freshLayout());
    const after = new Database(path, { readonly: true });
    expect(after.prepare(`SELECT ${eventColumns} FROM events ORDER BY event_id`).all()).toEqual(events);
    // Before schema 4 (revocations) every event is an approval, and none was revoked.
    if (from < 4) expect(after.prepare("SELECT COUNT(*) FROM events WHERE action != 'approve' OR revoked_by IS NOT NULL").pluck().get()).toBe(0);
    expect(after.prepare('SELECT id, event_id, audience, receive_id, uuid, status, attempts, message_id, last_error, created_at FROM deliveries ORDER BY id').all()).toEqual(deliveries);
    // Builds without a retry horizon column: the horizon starts at the delivery's creation.
    expect(after.prepare('SELECT COUNT(*) FROM deliveries WHERE retry_from IS NULL OR retry_from < created_at').pluck().get()).toBe(0);
    after.close();
  });

  it("keeps the chat-change index's predicate (a shipped migration's text) the same as the store's filter, so the look uses it", () => {
    const db = new Database(copyOf(`schema-${SCHEMA_VERSION}.db`), { readonly: true });
    const index = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'events_chat_changes'").pluck().get() as string;
    expect(index).toContain(`WHERE ${CHAT_CHANGE_FILTER}`);
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT event_id FROM events WHERE ${CHAT_CHANGE_FILTER} AND received_at > 0`).all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toContain('events_chat_changes');
    db.close();
  });

  it('opens a database of the newest schema without changing it', async () => {
    const path = copyOf(`schema-${SCHEMA_VERSION}.db`);
    const store = openSqliteStore(path);
    expect(store.about()).toMatchObject({ schemaVersion: SCHEMA_VERSION, migratedFrom: SCHEMA_VERSION, migrated: [] });
    await store.close();
  });

  it('refuses a database written by a newer bot, and leaves it as it was', async () => {
    const path = copyOf(`schema-${SCHEMA_VERSION}.db`);
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    await db.close();
    expect(() => openSqliteStore(path)).toThrow(SchemaError);
    expect(() => openSqliteStore(path)).toThrow(`has schema version ${SCHEMA_VERSION + 1}, newer than this bot's ${SCHEMA_VERSION}`);
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    check.close();
  });

  it('applies the missing migrations in one transaction: one that fails leaves the database as it was', async () => {
    const path = copyOf(earlier[0]!);
    const db = new Database(path);
    const foreignKeys = db.pragma('foreign_keys', { simple: true });
    const failing = [
      ...MIGRATIONS,
      { version: SCHEMA_VERSION + 1, title: 'breaks halfway', up: (d: Database.Database) => (d.exec('CREATE TABLE half_done (x)'), d.exec('SELECT no_such_function()')) },
    ];
    expect(() => migrate(db, path, failing)).toThrow(/no_such_function/);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('half_done', 'deliveries_queue')").all()).toEqual([]);
    // …and the connection's foreign-key setting is back to what it was.
    expect(db.pragma('foreign_keys', { simple: true })).toBe(foreignKeys);
    await db.close();
  });
});

describe('a bot started on an upgraded database', () => {
  // A sandbox per fixture: the fixtures share uuids, which Feishu (and the sandbox) de-duplicate.
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
  });
  afterEach(() => sandbox.close());

  it.each(earlier)('sends what %s had pending, the attempted card as itself, and leaves the dead one dead', async (fixture) => {
    const path = copyOf(fixture);
    // Schema 3 and later fixtures also hold a team card that a routing decision made (oc_team_a).
    const fixtureDb = new Database(path, { readonly: true });
    const routed = fixtureDb.prepare("SELECT COUNT(*) FROM deliveries WHERE receive_id = 'oc_team_a'").pluck().get() === 1;
    fixtureDb.close();
    const expected = [`chat_id:${SANDBOX_APP.teamChat}`, ...(routed ? ['chat_id:oc_team_a'] : []), 'user_id:u_fixture'];
    const bot = await startBot({ config: loadConfig(sandboxEnv(sandbox.url, path)), log: silentLogger, hostname: '127.0.0.1', worker: FAST_WORKER });
    try {
      const arrived = await sandbox.waitForMessages(expected.length);
      expect(arrived.map((m) => `${m.receiveIdType}:${m.receiveId}`).sort()).toEqual(expected);
      const resent = (await bot.store.delivery(4))!;
      expect(arrived.find((m) => m.receiveId === SANDBOX_APP.teamChat)!.uuid).toBe(resent.uuid);
      // The sandbox records a message before the bot has read the answer and marked it sent.
      await vi.waitFor(async () => {
        expect((await bot.store.delivery(1))).toMatchObject({ status: 'sent' });
        expect((await bot.store.delivery(4))).toMatchObject({ status: 'sent', attempts: 2 });
      });
      expect((await bot.store.delivery(3))).toMatchObject({ status: 'dead', lastError: expect.stringContaining('230013') });
      expect((await bot.store.requeue(3, Date.now()))).toBe(true);
    } finally {
      await bot.stop();
    }
  });
});

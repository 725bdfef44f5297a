// A PostgreSQL server that answers but says no at start — a user who may not create the tables
// (since PostgreSQL 15 only a database's owner may, by default), no connection left for it, a
// database that does not exist: the line logged says the server refused and what to do, not that
// it could not be reached, and the store is ready by itself once the set-up is mended.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { runCli } from '../support/bot-process.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { eventually } from '../support/harness.js';
import { freshDatabase, postgresServerUrl } from '../support/postgres.js';

const cleanups = cleanupsAfterEach();

async function admin(url: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

it('a user who may not create the tables: one line per attempt says so and how to mend it; ready once it is', async () => {
  const db = await freshDatabase();
  const role = `bot_user_${randomBytes(4).toString('hex')}`;
  // As PostgreSQL 15 has it whatever the server's version: schema public is its owner's to create in.
  await admin(db.url, `CREATE ROLE ${role} LOGIN PASSWORD 'pw'`, 'REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  cleanups.push(async () => {
    await db.drop(); // with the tables the role came to own
    await admin(postgresServerUrl(), `DROP ROLE IF EXISTS ${role}`);
  });
  const asRole = new URL(db.url);
  asRole.username = role;
  asRole.password = 'pw';

  const errors: string[] = [];
  const infos: string[] = [];
  const log = { error: (m: string) => errors.push(m), info: (m: string) => infos.push(m), warn: () => undefined, debug: () => undefined };
  const store = openPostgresStore(asRole.toString(), { log, retry: { baseMs: 50, maxMs: 200 } });
  cleanups.push(() => store.close());
  await store.started;
  expect(store.isReady()).toBe(false);
  const refused = /^PostgreSQL at 127\.0\.0\.1:\d+\/bot_test_\w+ refused the bot: permission denied for schema public \(SQLSTATE 42501\); the bot's user must own the database \(ALTER DATABASE … OWNER TO …\) or hold CREATE on its schema public$/;
  expect(errors[0]).toMatch(refused);
  expect(store.problem()).toMatch(refused);
  await expect(store.checkWritable()).rejects.toThrow(/^database not ready: PostgreSQL at .* refused the bot: permission denied/);

  await admin(db.url, `GRANT CREATE ON SCHEMA public TO ${role}`);
  await eventually(() => store.isReady(), 'ready once the user may create the tables', 10_000);
  expect(infos).toContain('PostgreSQL reachable; the store is ready');
  expect(store.problem()).toBeUndefined();
  await store.checkWritable();
});

it('a server with no connection left for the bot: says so and what to lower; ready once one is free', async () => {
  const db = await freshDatabase();
  const role = `bot_user_${randomBytes(4).toString('hex')}`;
  // A small managed server's max_connections, all taken: the role's own limit (superusers have none).
  await admin(db.url, `CREATE ROLE ${role} LOGIN PASSWORD 'pw' CONNECTION LIMIT 0`, `ALTER DATABASE ${new URL(db.url).pathname.slice(1)} OWNER TO ${role}`);
  cleanups.push(async () => {
    await db.drop();
    await admin(postgresServerUrl(), `DROP ROLE IF EXISTS ${role}`);
  });
  const asRole = new URL(db.url);
  asRole.username = role;
  asRole.password = 'pw';
  const store = openPostgresStore(asRole.toString(), { retry: { baseMs: 50, maxMs: 200 } });
  cleanups.push(() => store.close());
  await store.started;
  expect(store.problem()).toMatch(
    /^PostgreSQL at \S+ refused the bot: too many connections for role "bot_user_\w+" \(SQLSTATE 53300\); every connection the server allows is taken: lower DATABASE_POOL_SIZE on the replicas, or raise the server's limit$/,
  );
  await admin(db.url, `ALTER ROLE ${role} CONNECTION LIMIT 5`);
  await eventually(() => store.isReady(), 'ready once connections are allowed', 10_000);
});

it('the CLI on a database that does not exist says so, and what to do, in one line', async () => {
  const missing = new URL(postgresServerUrl());
  missing.pathname = `/bot_missing_${randomBytes(4).toString('hex')}`;
  const { code, stdout, stderr } = await runCli(['deliveries'], { DATABASE_URL: missing.toString() });
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr.trim()).toMatch(
    /^cli failed: PostgreSQL at 127\.0\.0\.1:\d+\/bot_missing_\w+ refused the bot: database "bot_missing_\w+" does not exist \(SQLSTATE 3D000\); create it, owned by the bot's user \(DATABASE_URL\)$/,
  );
});

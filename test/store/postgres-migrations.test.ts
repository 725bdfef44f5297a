// Upgrades on PostgreSQL: a database of every earlier schema opens in today's layout with its
// rows kept and their meaning unchanged, like SQLite's (migrations.test.ts).
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migratePostgres, POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from '../../src/store/postgres-schema.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { freshDatabase } from '../support/postgres.js';
import { eventually } from '../support/harness.js';

const cleanups = cleanupsAfterEach();

async function database() {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  return db.url;
}

/** Columns, constraints and indexes: what queries depend on. */
async function layout(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query(
      "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name",
    );
    const constraints = await client.query(
      "SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY t, conname",
    );
    const indexes = await client.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname");
    return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows };
  } finally {
    await client.end();
  }
}

/**
 * A connection as PgBouncer in transaction mode gives it: each statement outside a transaction
 * runs on the next of several server connections; a transaction keeps one from BEGIN to its end.
 */
function transactionPooled(servers: pg.Client[]): pg.PoolClient {
  let turn = 0;
  let inTransaction: pg.Client | undefined;
  const query = async (statement: string | pg.QueryConfig, params?: unknown[]) => {
    const sql = typeof statement === 'string' ? statement : statement.text;
    const server = inTransaction ?? servers[turn++ % servers.length]!;
    if (/^\s*BEGIN\b/i.test(sql)) inTransaction = server;
    if (/^\s*(COMMIT|ROLLBACK)\b/i.test(sql)) inTransaction = undefined;
    return typeof statement === 'string' ? server.query(statement, params) : server.query(statement);
  };
  return { query } as unknown as pg.PoolClient;
}

describe('PostgreSQL schema migrations', () => {
  it('wait for another instance\'s migration as long as it takes: the statement limit does not cut them', async () => {
    const url = await database();
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    cleanups.push(() => other.end());
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock(4718301)'); // the migration lock, as a migrating instance holds it
    const errors: string[] = [];
    const log = { error: (message: string) => errors.push(message), warn: () => undefined, info: () => undefined, debug: () => undefined };
    const store = openPostgresStore(url, { log: log as never, timeouts: { statementMs: 200, silenceMs: 300 } });
    cleanups.push(() => store.close());
    const started = store.started;
    await new Promise((r) => setTimeout(r, 800)); // well past both limits
    expect(store.isReady()).toBe(false);
    await other.query('COMMIT');
    await started;
    await eventually(() => store.isReady(), 'migrated once the lock is free');
    expect(errors).toEqual([]); // one wait, not a failure and a retry
    expect(await store.recordEvent({ eventId: 'e1', eventType: 't', status: 'ignored', receivedAt: 1 }, [])).toBe('stored');
  });

  it('leave no lock behind when a pooler in transaction mode runs each statement on another server connection', async () => {
    const url = await database();
    const servers = await Promise.all(
      [0, 1, 2].map(async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        cleanups.push(() => client.end());
        return client;
      }),
    );
    const locks = async () =>
      Number((await servers[0]!.query("SELECT COUNT(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()")).rows[0].n);

    expect((await migratePostgres(transactionPooled(servers), 'pooled')).to).toBe(POSTGRES_SCHEMA_VERSION);
    expect(await locks()).toBe(0);
    // The next start (another replica, a restart) neither waits nor migrates again.
    expect(await migratePostgres(transactionPooled(servers.slice(1)), 'pooled')).toMatchObject({ from: POSTGRES_SCHEMA_VERSION, applied: [] });
    expect(await locks()).toBe(0);
  });


  it.each(POSTGRES_MIGRATIONS.slice(0, -1).map((m) => m.version))('bring a database of schema %i to the newest layout, keeping its rows', async (version) => {
    const old = await database();
    const client = new pg.Client({ connectionString: old });
    await client.connect();
    const pool = { query: client.query.bind(client) } as unknown as pg.PoolClient;
    await migratePostgres(pool, 'old', POSTGRES_MIGRATIONS.filter((m) => m.version <= version));
    await client.query(`INSERT INTO events (event_id, event_type, kind, instance_code, status, payload, received_at) VALUES ('e1', 'shift_approval', 'shift', 'I1', 'accepted', '{}', 1)`);
    await client.query(
      `INSERT INTO deliveries (event_id, audience, receive_id_type, receive_id, uuid, status, attempts, next_attempt_at, message_id, created_at, updated_at, retry_from)
       VALUES ('e1', 'employee', 'open_id', 'ou_1', 'u1', 'sent', 1, 1, 'om_1', 1, 1, 1), ('e1', 'team', 'chat_id', 'oc_1', 'u2', 'pending', 0, 1, NULL, 1, 1, 1)`,
    );
    await client.end();

    const store = openPostgresStore(old, { retry: { baseMs: 50, maxMs: 50 } });
    await store.started;
    expect(store.about()).toMatchObject({ schemaVersion: POSTGRES_SCHEMA_VERSION, migratedFrom: version });
    expect(store.about().migrated).toHaveLength(POSTGRES_SCHEMA_VERSION - version);
    expect(await store.event('e1')).toMatchObject({ status: 'accepted', action: 'approve', instanceCode: 'I1' });
    expect((await store.deliveries()).map((d) => [d.receiveId, d.status, d.messageId, d.targetId, d.revokedBy])).toEqual([
      ['ou_1', 'sent', 'om_1', null, null],
      ['oc_1', 'pending', null, null, null],
    ]);
    // …and the upgraded rows take part in what the new schema adds.
    expect(await store.recordRevocation({ eventId: 'r1', eventType: 'approval_instance', instanceCode: 'I1', status: 'accepted', action: 'revoke', receivedAt: 2 })).toMatchObject({
      outcome: 'revoked',
      cancelled: 1,
      edits: 1,
    });
    await store.close();

    const fresh = await database();
    const newest = openPostgresStore(fresh);
    await newest.started;
    await newest.close();
    expect(await layout(old)).toEqual(await layout(fresh));
  });
});

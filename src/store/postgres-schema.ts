// The PostgreSQL schema as numbered migrations, like SQLite's (sqlite-schema.ts): the same tables
// and meanings, PostgreSQL's types. Instances starting together take an advisory lock first, so
// exactly one applies the missing migrations (in one transaction) and the others find them done.
// A database from a newer bot is refused.
import type { PoolClient, QueryConfig } from 'pg';
import { SchemaError } from './sqlite-schema.js';

export interface PostgresMigration {
  version: number;
  title: string;
  sql: string;
}

/** Any number; the same in every instance of this app. */
const MIGRATION_LOCK = 4_718_301;

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    title: 'inbox, outbox (with team routing) and the sender lease',
    sql: `
      CREATE TABLE events (
        event_id      TEXT PRIMARY KEY,
        event_type    TEXT NOT NULL,
        kind          TEXT,
        instance_code TEXT,
        status        TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'ignored')),
        reason        TEXT,
        payload       TEXT,
        received_at   BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX events_business_key ON events (kind, instance_code) WHERE status = 'accepted';
      CREATE INDEX events_received_at ON events (received_at);

      CREATE TABLE deliveries (
        id              BIGSERIAL PRIMARY KEY,
        event_id        TEXT REFERENCES events (event_id) ON DELETE CASCADE,
        audience        TEXT NOT NULL CHECK (audience IN ('employee', 'team', 'digest', 'route')),
        receive_id_type TEXT NOT NULL,
        receive_id      TEXT NOT NULL,
        uuid            TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead', 'digested')),
        digest_id       BIGINT REFERENCES deliveries (id) ON DELETE SET NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        last_error      TEXT,
        message_id      TEXT,
        created_at      BIGINT NOT NULL,
        updated_at      BIGINT NOT NULL,
        retry_from      BIGINT NOT NULL,
        last_attempt_at BIGINT,
        decision        TEXT,
        UNIQUE (event_id, receive_id_type, receive_id)
      );
      CREATE INDEX deliveries_queue ON deliveries (status, next_attempt_at, id);
      CREATE INDEX deliveries_digest ON deliveries (digest_id) WHERE digest_id IS NOT NULL;
      CREATE INDEX deliveries_fresh_team ON deliveries (receive_id, id) WHERE status = 'pending' AND audience = 'team' AND attempts = 0;
      CREATE INDEX deliveries_last_attempt ON deliveries (last_attempt_at) WHERE last_attempt_at IS NOT NULL;

      -- Who sends: one instance at a time holds the lease, renewing it; expiry is on the database's clock.
      CREATE TABLE leases (
        name       TEXT PRIMARY KEY,
        holder     TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      );

      CREATE TABLE schema_version (version INTEGER NOT NULL);
      INSERT INTO schema_version VALUES (0);
    `,
  },
  {
    version: 2,
    title: 'revocations (revoke events, card edits, cancelled sends)',
    sql: `
      ALTER TABLE deliveries DROP CONSTRAINT deliveries_audience_check;
      ALTER TABLE deliveries ADD CONSTRAINT deliveries_audience_check CHECK (audience IN ('employee', 'team', 'digest', 'route', 'edit'));
      ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
      ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending', 'sent', 'dead', 'digested', 'cancelled'));
      ALTER TABLE deliveries ADD COLUMN target_id BIGINT REFERENCES deliveries (id) ON DELETE CASCADE;
      CREATE INDEX deliveries_target ON deliveries (target_id) WHERE target_id IS NOT NULL;

      ALTER TABLE events ADD COLUMN action TEXT NOT NULL DEFAULT 'approve' CHECK (action IN ('approve', 'revoke'));
      ALTER TABLE events ADD COLUMN revoked_by TEXT;
      DROP INDEX events_business_key;
      CREATE UNIQUE INDEX events_business_key ON events (kind, instance_code) WHERE status = 'accepted' AND action = 'approve';
      CREATE UNIQUE INDEX events_revocation_key ON events (instance_code) WHERE status = 'accepted' AND action = 'revoke';
      CREATE INDEX events_instance ON events (instance_code) WHERE instance_code IS NOT NULL;
    `,
  },
  {
    version: 3,
    title: 'an index of revocations, for the approvals stored after them',
    // Each batch of approvals asks for revocations of its instances that came first (also those
    // stored as ignored): a look into this small index instead of every event of the instance.
    sql: `CREATE INDEX events_revocations ON events (instance_code) WHERE action = 'revoke';`,
  },
  {
    version: 4,
    title: 'the sender lease belongs to one process, not to an INSTANCE_ID',
    // Two replicas given the same INSTANCE_ID (a constant in a shared .env or ConfigMap) both
    // "renewed" a lease keyed by that name, and both sent: twice the app's send rate.
    sql: `ALTER TABLE leases ADD COLUMN token TEXT;`,
  },
  {
    version: 5,
    title: 'an index of chat membership events, for the sender to learn of changes other instances took in',
    // The predicate is chat-changes.ts's CHAT_CHANGE_FILTER word for word (so the planner uses it).
    sql: `CREATE INDEX events_chat_changes ON events (received_at) WHERE event_type IN ('im.chat.member.user.added_v1', 'im.chat.member.user.deleted_v1', 'im.chat.member.user.withdrawn_v1', 'im.chat.member.bot.added_v1', 'im.chat.member.bot.deleted_v1', 'im.chat.disbanded_v1');`,
  },
];

export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.at(-1)!.version;

export interface PostgresMigrationResult {
  from: number;
  to: number;
  applied: string[];
}

async function versionOf(client: PoolClient): Promise<number> {
  const exists = await client.query(`SELECT to_regclass('schema_version') IS NOT NULL AS present`);
  if (!exists.rows[0].present) return 0;
  const row = await client.query('SELECT version FROM schema_version');
  return Number(row.rows[0]?.version ?? 0);
}

/** A migration that has not answered in this long is taken for hung on a dead connection. */
const MIGRATION_SILENCE_MS = 30 * 60_000;

/**
 * Brings the database to the newest schema, under the migration lock; `where` names it in errors.
 * One transaction from the lock to the last migration: a transaction-scoped lock ends with it on
 * the connection that took it. A session lock and its unlock, behind PgBouncer in transaction
 * mode, could land on different server connections, and the lock outlived the start: every later
 * start waited on it for good.
 */
export async function migratePostgres(
  client: PoolClient,
  where: string,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<PostgresMigrationResult> {
  const newest = migrations.at(-1)!.version;
  // Waiting for another instance's migration, or a migration of a large table, may take minutes:
  // neither the statement limit nor the client's silence limit of the store's connections applies.
  const run = (text: string, values?: unknown[]) => client.query({ text, values, query_timeout: MIGRATION_SILENCE_MS } as QueryConfig); // (pg takes it; its types miss it)
  await run('BEGIN');
  try {
    await run('SET LOCAL statement_timeout = 0');
    await run('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const from = await versionOf(client);
    if (from > newest) {
      throw new SchemaError(
        `database ${where} has schema version ${from}, newer than this bot's ${newest}: it was written by a later ` +
          'version of the bot. Run that version, or restore a backup taken before the upgrade.',
      );
    }
    const pending = migrations.filter((m) => m.version > from);
    for (const migration of pending) {
      await run(migration.sql);
      await run('UPDATE schema_version SET version = $1', [migration.version]);
    }
    await run('COMMIT');
    return { from, to: pending.length > 0 ? newest : from, applied: pending.map((m) => `${m.version} ${m.title}`) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The schema version without changing anything (the CLI, which never migrates). */
export async function postgresVersion(client: PoolClient): Promise<number> {
  return versionOf(client);
}

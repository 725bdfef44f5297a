// The SQLite schema as numbered migrations. `PRAGMA user_version` holds the number of the last one
// applied; at start the missing ones run in one transaction, so a failed upgrade leaves the
// database as it was. A database from a newer bot is refused: its rows may mean things this
// version does not know.
import type Database from 'better-sqlite3';

type Db = Database.Database;

export interface Migration {
  version: number;
  /** What it changes, for the start-up log. */
  title: string;
  up(db: Db): void;
}

export class SchemaError extends Error {}

const DELIVERIES_TABLE = `
CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY,
  event_id        TEXT REFERENCES events (event_id) ON DELETE CASCADE,
  audience        TEXT NOT NULL CHECK (audience IN ('employee', 'team', 'digest')),
  receive_id_type TEXT NOT NULL,
  receive_id      TEXT NOT NULL,
  uuid            TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead', 'digested')),
  digest_id       INTEGER REFERENCES deliveries (id) ON DELETE SET NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  message_id      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  retry_from      INTEGER NOT NULL,
  last_attempt_at INTEGER,
  UNIQUE (event_id, receive_id_type, receive_id)
)`;

// Version 3: a `route` row per event whose team chats depend on who the employee is (looked up by
// the delivery side), and each delivery's `decision`: why it went (or, for a route row, the whole
// decision). SQLite cannot alter a CHECK, hence a new table.
const DELIVERIES_TABLE_V3 = DELIVERIES_TABLE.replace(
  "CHECK (audience IN ('employee', 'team', 'digest'))",
  "CHECK (audience IN ('employee', 'team', 'digest', 'route'))",
).replace('  last_attempt_at INTEGER,', '  last_attempt_at INTEGER,\n  decision        TEXT,');

// Version 4: revocations. A delivery may be an `edit` of a card already sent (target_id: the
// delivery whose message it edits) and may end `cancelled` (revoked before it was sent). An event
// is an approval or a revocation (`action`); an approval records the revocation that revoked it.
const DELIVERIES_TABLE_V4 = DELIVERIES_TABLE_V3.replace(
  "CHECK (audience IN ('employee', 'team', 'digest', 'route'))",
  "CHECK (audience IN ('employee', 'team', 'digest', 'route', 'edit'))",
)
  .replace(
    "CHECK (status IN ('pending', 'sent', 'dead', 'digested'))",
    "CHECK (status IN ('pending', 'sent', 'dead', 'digested', 'cancelled'))",
  )
  .replace('  decision        TEXT,', '  decision        TEXT,\n  target_id       INTEGER REFERENCES deliveries (id) ON DELETE CASCADE,');

const DELIVERIES_INDEXES = `
  -- The queue, in due order: the worker's next rows and the next wake-up are index seeks.
  CREATE INDEX IF NOT EXISTS deliveries_queue ON deliveries (status, next_attempt_at, id);
  CREATE INDEX IF NOT EXISTS deliveries_digest ON deliveries (digest_id) WHERE digest_id IS NOT NULL;
  -- Fresh team cards by chat: digest candidates, and whether a chat has a backlog, without a scan.
  CREATE INDEX IF NOT EXISTS deliveries_fresh_team ON deliveries (receive_id, id) WHERE status = 'pending' AND audience = 'team' AND attempts = 0;
  CREATE INDEX IF NOT EXISTS deliveries_last_attempt ON deliveries (last_attempt_at) WHERE last_attempt_at IS NOT NULL;
`;

const EDIT_INDEX = `CREATE INDEX IF NOT EXISTS deliveries_target ON deliveries (target_id) WHERE target_id IS NOT NULL;`;

/** The outbox columns of schema 2, which later layouts keep. */
const V2_COLUMNS = [
  'id', 'event_id', 'audience', 'receive_id_type', 'receive_id', 'uuid', 'status', 'digest_id', 'attempts',
  'next_attempt_at', 'last_error', 'message_id', 'created_at', 'updated_at', 'retry_from', 'last_attempt_at',
];

/** Moves the outbox into a new layout, every row kept (SQLite cannot alter a CHECK: a new table). */
function rebuildDeliveries(db: Db, table: string, keep: readonly string[]): void {
  const list = keep.join(', ');
  db.exec(table.replace('CREATE TABLE deliveries', 'CREATE TABLE deliveries_new'));
  db.exec(`
    INSERT INTO deliveries_new (${list}) SELECT ${list} FROM deliveries;
    DROP TABLE deliveries;
    ALTER TABLE deliveries_new RENAME TO deliveries;
  `);
  db.exec(DELIVERIES_INDEXES);
}

const columns = (db: Db, table: string) =>
  new Set((db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]));

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    title: 'inbox and outbox tables',
    up(db) {
      // Databases of the very first builds have these tables already, without a version number;
      // migration 2 brings them to the same layout.
      db.exec(`
        CREATE TABLE IF NOT EXISTS events (
          event_id      TEXT PRIMARY KEY,
          event_type    TEXT NOT NULL,
          kind          TEXT,
          instance_code TEXT,
          status        TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'ignored')),
          reason        TEXT,
          payload       TEXT,
          received_at   INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS events_business_key ON events (kind, instance_code) WHERE status = 'accepted';
        CREATE INDEX IF NOT EXISTS events_received_at ON events (received_at);
      `);
      if (!columns(db, 'deliveries').size) db.exec(DELIVERIES_TABLE);
    },
  },
  {
    version: 2,
    title: 'one outbox layout for every 0.1.0 database (digests, retry horizon, attempt times, queue indexes)',
    up(db) {
      // Builds of 0.1.0 changed the outbox without changing the version number; whichever of them
      // wrote this database, it ends in the layout below with every row kept.
      const have = columns(db, 'deliveries');
      if (!have.has('digest_id') || !have.has('retry_from')) {
        // New CHECKs and a nullable event_id need a new table (SQLite cannot alter constraints).
        db.exec(DELIVERIES_TABLE.replace('CREATE TABLE deliveries', 'CREATE TABLE deliveries_new'));
        db.exec(`
          INSERT INTO deliveries_new (id, event_id, audience, receive_id_type, receive_id, uuid, status, attempts,
                                      next_attempt_at, last_error, message_id, created_at, updated_at, retry_from)
          SELECT id, event_id, audience, receive_id_type, receive_id, uuid, status, attempts,
                 next_attempt_at, last_error, message_id, created_at, updated_at, created_at
          FROM deliveries;
          DROP TABLE deliveries;
          ALTER TABLE deliveries_new RENAME TO deliveries;
        `);
      } else if (!have.has('last_attempt_at')) {
        db.exec('ALTER TABLE deliveries ADD COLUMN last_attempt_at INTEGER');
      }
      db.exec(`
        DROP INDEX IF EXISTS deliveries_due;
        DROP INDEX IF EXISTS deliveries_status;
      `);
      db.exec(DELIVERIES_INDEXES);
    },
  },
  {
    version: 3,
    title: 'team routing by who the employee is (route rows, the decision behind each delivery)',
    up(db) {
      rebuildDeliveries(db, DELIVERIES_TABLE_V3, V2_COLUMNS);
    },
  },
  {
    version: 4,
    title: 'revocations (revoke events, card edits, cancelled sends)',
    up(db) {
      rebuildDeliveries(db, DELIVERIES_TABLE_V4, [...V2_COLUMNS, 'decision']);
      db.exec(EDIT_INDEX);
      db.exec(`
        ALTER TABLE events ADD COLUMN action TEXT NOT NULL DEFAULT 'approve' CHECK (action IN ('approve', 'revoke'));
        ALTER TABLE events ADD COLUMN revoked_by TEXT;
        -- One approval per kind and instance, and one revocation per instance (a generic revocation
        -- may not know the kind); an approval and its revocation share the instance code.
        DROP INDEX events_business_key;
        CREATE UNIQUE INDEX events_business_key ON events (kind, instance_code) WHERE status = 'accepted' AND action = 'approve';
        CREATE UNIQUE INDEX events_revocation_key ON events (instance_code) WHERE status = 'accepted' AND action = 'revoke';
        CREATE INDEX events_instance ON events (instance_code) WHERE instance_code IS NOT NULL;
      `);
    },
  },
  {
    version: 5,
    title: 'an index of chat membership events (their changes, looked for before team routing)',
    // The predicate is chat-changes.ts's CHAT_CHANGE_FILTER word for word (so SQLite uses it).
    up(db) {
      db.exec(`CREATE INDEX events_chat_changes ON events (received_at) WHERE event_type IN ('im.chat.member.user.added_v1', 'im.chat.member.user.deleted_v1', 'im.chat.member.user.withdrawn_v1', 'im.chat.member.bot.added_v1', 'im.chat.member.bot.deleted_v1', 'im.chat.disbanded_v1')`);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

/**
 * Brings the database to SCHEMA_VERSION in one transaction. Foreign keys are off meanwhile (a
 * table rebuild drops and renames tables) and checked before the commit.
 */
export function migrate(db: Db, path: string, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const newest = migrations.at(-1)!.version;
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > newest) {
    throw new SchemaError(
      `database ${path} has schema version ${from}, newer than this bot's ${newest}: it was written by a later ` +
        'version of the bot. Run that version, or restore a backup taken before the upgrade.',
    );
  }
  const pending = migrations.filter((m) => m.version > from);
  if (pending.length === 0) return { from, to: from, applied: [] };
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      for (const migration of pending) {
        migration.up(db);
        db.pragma(`user_version = ${migration.version}`);
      }
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new SchemaError(`database ${path}: ${broken.length} rows break a foreign key after the upgrade`);
    }).immediate();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
  return { from, to: newest, applied: pending.map((m) => `${m.version} ${m.title}`) };
}

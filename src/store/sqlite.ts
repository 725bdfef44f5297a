// The store on an embedded SQLite file (better-sqlite3, WAL). Every write is one synchronous
// transaction with synchronous=NORMAL: it survives a crash of the process at once, and survives
// a power cut once durable() has resolved (wal-sync.ts), which callers await where it matters.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { editUuid, planRevocation, revokedFirstReason, unknownInstanceReason, type RevocableRow } from './revocation-plan.js';
import type { Delivery, NewDelivery, NewEvent, RecordResult, RevocationResult, Store } from './store.js';
import { migrate, SCHEMA_VERSION, type MigrationResult } from './sqlite-schema.js';
import { walSync } from './wal-sync.js';
import { CHAT_CHANGE_FILTER, chatChangeOf } from './chat-changes.js';
import { purgeStatements } from './purge-statements.js';
import { SELECT_DELIVERIES, toDelivery, toStoredEvent, type DeliveryRow } from './rows.js';

// A team delivery that may be folded into a digest: due, pending, and never attempted (an
// attempted one may have reached the chat already and must be resent as itself, same uuid).
const freshTeam = (t = '') => `${t}status = 'pending' AND ${t}audience = 'team' AND ${t}attempts = 0 AND ${t}next_attempt_at <= ?`;

/** The store's operations as SQLite runs them: synchronously, each one transaction. */
type SyncStore = {
  [K in Exclude<keyof Store, 'about' | 'durable'>]: (...args: Parameters<Store[K]>) => Awaited<ReturnType<Store[K]>>;
} & Pick<Store, 'about' | 'durable'>;

/** The Store interface over the synchronous operations: a throw becomes a rejection. */
function asynchronous(sync: SyncStore): Store {
  const store = {} as Record<string, unknown>;
  for (const [name, operation] of Object.entries(sync)) {
    store[name] =
      name === 'about' || name === 'durable'
        ? operation
        : (...args: unknown[]) => {
            try {
              return Promise.resolve((operation as (...a: unknown[]) => unknown)(...args));
            } catch (error) {
              return Promise.reject(error);
            }
          };
  }
  return store as unknown as Store;
}

export function openSqliteStore(path: string, options: { syncWal?: Parameters<typeof walSync>[1] } = {}): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  let migration: MigrationResult;
  try {
    migration = migrate(db, path);
  } catch (error) {
    db.close();
    throw error;
  }

  const eventExists = db.prepare('SELECT 1 FROM events WHERE event_id = ?').pluck();
  const businessKeyExists = db
    .prepare("SELECT 1 FROM events WHERE kind = ? AND instance_code = ? AND status = 'accepted' AND action = 'approve'")
    .pluck();
  const insertEvent = db.prepare(
    `INSERT INTO events (event_id, event_type, kind, instance_code, status, reason, payload, received_at, action)
     VALUES (@eventId, @eventType, @kind, @instanceCode, @status, @reason, @payload, @receivedAt, @action)`,
  );
  // A revocation of this instance (for this kind, or one that names no kind) seen before.
  const revocationOf = db
    .prepare("SELECT event_id FROM events WHERE instance_code = ? AND action = 'revoke' AND (kind IS NULL OR kind = ?) ORDER BY received_at LIMIT 1")
    .pluck();
  const revocationExists = db.prepare("SELECT 1 FROM events WHERE instance_code = ? AND status = 'accepted' AND action = 'revoke'").pluck();
  const selectApproval = db
    .prepare("SELECT event_id FROM events WHERE instance_code = ? AND status = 'accepted' AND action = 'approve' AND (? IS NULL OR kind = ?) ORDER BY received_at LIMIT 1")
    .pluck();
  const updateRevokedBy = db.prepare('UPDATE events SET revoked_by = ? WHERE event_id = ?');
  const selectRevocable = db.prepare(
    'SELECT id, audience, status, attempts, digest_id AS digestId, receive_id_type AS receiveIdType, receive_id AS receiveId FROM deliveries WHERE event_id = ? ORDER BY id',
  );
  const updateCancelled = db.prepare("UPDATE deliveries SET status = 'cancelled', last_error = ?, updated_at = ? WHERE id = ? AND status = 'pending'");
  const insertEdit = db.prepare(
    `INSERT INTO deliveries (event_id, audience, receive_id_type, receive_id, uuid, status, next_attempt_at, created_at, updated_at, retry_from, target_id)
     VALUES (?, 'edit', ?, ?, ?, 'pending', ?, ?, ?, ?, ?)
     ON CONFLICT (event_id, receive_id_type, receive_id) DO NOTHING`,
  );
  const insertDelivery = db.prepare(
    `INSERT INTO deliveries (event_id, audience, receive_id_type, receive_id, uuid, status, next_attempt_at, created_at, updated_at, retry_from, decision)
     VALUES (@eventId, @audience, @receiveIdType, @receiveId, @uuid, @status, @now, @now, @now, @now, @decision)
     ON CONFLICT (event_id, receive_id_type, receive_id) DO NOTHING`,
  );
  const selectEvent = db.prepare('SELECT * FROM events WHERE event_id = ?');
  const selectDue = db.prepare(
    `${SELECT_DELIVERIES} WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?`,
  );
  const selectNextDue = db.prepare("SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'").pluck();
  const selectById = db.prepare(`${SELECT_DELIVERIES} WHERE d.id = ?`);
  const updateAttempting = db.prepare("UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'");
  const selectRecentAttempts = db.prepare(
    // Route rows send nothing: they take no place in the send limits. Edits count at Feishu in the
    // app's limits; after a restart they count as if sent to their card's recipient (on the safe side).
    "SELECT receive_id_type AS receiveIdType, receive_id AS receiveId, last_attempt_at AS at FROM deliveries WHERE last_attempt_at > ? AND audience != 'route' ORDER BY last_attempt_at",
  );
  const updateSent = db.prepare(
    "UPDATE deliveries SET status = 'sent', message_id = ?, last_error = NULL, updated_at = ? WHERE id = ? OR (digest_id = ? AND status = 'digested')",
  );
  const updateRetry = db.prepare('UPDATE deliveries SET last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?');
  const updateDead = db.prepare("UPDATE deliveries SET status = 'dead', last_error = ?, updated_at = ? WHERE id = ?");
  // Counts at most `min` rows, whatever the backlog: the question is only whether it reaches min.
  const selectBacklogged = db
    .prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM deliveries INDEXED BY deliveries_fresh_team WHERE receive_id = ? AND ${freshTeam()} LIMIT ?)`)
    .pluck();
  const selectCandidates = db.prepare(
    `${SELECT_DELIVERIES.replace('deliveries d', 'deliveries d INDEXED BY deliveries_fresh_team')} WHERE d.receive_id = ? AND ${freshTeam('d.')} ORDER BY d.id LIMIT ?`,
  );
  const insertDigest = db.prepare(
    `INSERT INTO deliveries (event_id, audience, receive_id_type, receive_id, uuid, status, next_attempt_at, created_at, updated_at, retry_from)
     VALUES (NULL, 'digest', 'chat_id', ?, ?, 'pending', ?, ?, ?, ?)`,
  );
  const joinDigest = db.prepare(
    `UPDATE deliveries SET status = 'digested', digest_id = ?, updated_at = ? WHERE id = ? AND ${freshTeam()} AND receive_id = ?`,
  );
  const selectMembers = db.prepare(`${SELECT_DELIVERIES} WHERE d.digest_id = ? ORDER BY d.id`);
  const updateRequeue = db.prepare(
    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, retry_from = ?, updated_at = ? WHERE id = ? AND status = 'dead'",
  );
  const updateRequeueAll = db.prepare(
    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, retry_from = ?, updated_at = ? WHERE status = 'dead'",
  );
  // SQLite's parameters are positional: each statement takes the cutoff, then the limit.
  const purge = purgeStatements(() => '?');
  const purgeEvents = db.prepare(purge.events);
  const purgeDigests = db.prepare(purge.digests);
  const chatChanges = db.prepare(`SELECT event_id, payload, received_at FROM events WHERE ${CHAT_CHANGE_FILTER} AND received_at > ? ORDER BY received_at`);

  const outbox = db.prepare(
    `SELECT COUNT(*) FILTER (WHERE status = 'pending') AS pending, COUNT(*) FILTER (WHERE status = 'dead') AS dead,
            MIN(created_at) FILTER (WHERE status IN ('pending', 'digested')) AS oldest FROM deliveries WHERE status IN ('pending', 'dead', 'digested')`,
  );

  const wal = path === ':memory:' ? undefined : walSync(`${path}-wal`, options.syncWal);

  const record = db.transaction((event: NewEvent, deliveries: readonly NewDelivery[]): RecordResult => {
    if (eventExists.get(event.eventId)) return 'duplicate';
    if (event.status === 'accepted' && businessKeyExists.get(event.kind, event.instanceCode)) return 'duplicate';
    const revokedBy = event.status === 'accepted' ? (revocationOf.get(event.instanceCode, event.kind) as string | undefined) : undefined;
    if (revokedBy !== undefined) {
      // Revoked before it arrived (Feishu's pushes are not ordered): kept, and no card goes out.
      insertEvent.run({ kind: null, instanceCode: null, payload: null, ...event, action: 'approve', status: 'ignored', reason: revokedFirstReason(revokedBy) });
      return 'revoked';
    }
    insertEvent.run({ kind: null, instanceCode: null, reason: null, payload: null, ...event, action: event.action ?? 'approve' });
    for (const delivery of deliveries) {
      insertDelivery.run({ decision: null, ...delivery, eventId: event.eventId, status: 'pending', now: event.receivedAt });
    }
    return 'stored';
  });

  const updateRouted = db.prepare("UPDATE deliveries SET status = ?, decision = ?, last_error = ?, updated_at = ? WHERE id = ? AND audience = 'route'");
  const routed = db.transaction((routeId: number, teams: readonly NewDelivery[], decision: string, error: string | null, now: number) => {
    const route = selectById.get(routeId) as DeliveryRow | undefined;
    if (!route || route.audience !== 'route' || route.status !== 'pending') return false;
    // Chats that already have the card (decided by an earlier try) keep theirs: same row, same uuid.
    for (const team of teams) insertDelivery.run({ decision: null, ...team, eventId: route.event_id, status: 'pending', now });
    updateRouted.run(error === null ? 'sent' : 'dead', decision, error, now, routeId);
    return true;
  });

  const revoke = db.transaction((event: NewEvent): RevocationResult => {
    if (eventExists.get(event.eventId) || revocationExists.get(event.instanceCode)) return { result: 'duplicate' };
    const kind = event.kind ?? null;
    const approval = selectApproval.get(event.instanceCode, kind, kind) as string | undefined;
    const row = { kind: null, reason: null, payload: null, ...event, action: 'revoke' };
    if (approval === undefined) {
      insertEvent.run({ ...row, status: 'ignored', reason: unknownInstanceReason(event.instanceCode) });
      return { result: 'stored', outcome: 'unknown' };
    }
    insertEvent.run({ ...row, status: 'accepted' });
    updateRevokedBy.run(event.eventId, approval);
    const plan = planRevocation(selectRevocable.all(approval) as RevocableRow[]);
    const now = event.receivedAt;
    for (const c of plan.cancel) updateCancelled.run(c.reason, now, c.id);
    for (const e of plan.edits) insertEdit.run(event.eventId, e.receiveIdType, e.receiveId, editUuid(event.eventId, e.targetId), now, now, now, now, e.targetId);
    return { result: 'stored', outcome: 'revoked', approvalEventId: approval, cancelled: plan.cancel.length, edits: plan.edits.length };
  });

  const recordMany = db.transaction((batch: ReadonlyArray<{ event: NewEvent; deliveries: readonly NewDelivery[] }>) =>
    batch.map(({ event, deliveries }) => record(event, deliveries)),
  );

  const digest = db.transaction((chatId: string, memberIds: readonly number[], uuid: string, now: number) => {
    const id = Number(insertDigest.run(chatId, uuid, now, now, now, now).lastInsertRowid);
    for (const memberId of memberIds) {
      // Every member must still be fresh; otherwise the digest is not recorded at all.
      if (joinDigest.run(id, now, memberId, now, chatId).changes !== 1) throw new DigestRace();
    }
    return id;
  });

  const sync: SyncStore = {
    recordEvent: (event, deliveries) => record(event, deliveries),
    recordEvents: (batch) => recordMany(batch),
    recordRevocation: (event) => revoke(event),

    event(eventId) {
      const row = selectEvent.get(eventId) as Record<string, unknown> | undefined;
      if (!row) return undefined;
      return toStoredEvent(row);
    },

    dueDeliveries(now, limit, exclude) {
      // Over-fetch by the in-flight count so excluded rows never starve the batch.
      const rows = selectDue.all(now, limit + exclude.size) as DeliveryRow[];
      return rows.filter((row) => !exclude.has(row.id)).slice(0, limit).map(toDelivery);
    },

    nextDueAt: () => (selectNextDue.get() as number | null) ?? undefined,
    markAttempting: (id, now) => updateAttempting.run(now, now, id).changes === 1,
    recentAttempts: (since) => selectRecentAttempts.all(since) as Array<{ receiveIdType: Delivery['receiveIdType']; receiveId: string; at: number }>,
    markSent: (id, messageId, now) => void updateSent.run(messageId, now, id, id),
    markRetry: (id, error, nextAttemptAt, now) => void updateRetry.run(error, nextAttemptAt, now, id),
    markDead: (id, error, now) => void updateDead.run(error, now, id),
    markCancelled: (id, reason, now) => void updateCancelled.run(reason, now, id),

    chatBacklogged: (chatId, now, min) => (selectBacklogged.get(chatId, now, min) as number) >= min,
    digestCandidates: (chatId, now, limit) => (selectCandidates.all(chatId, now, limit) as DeliveryRow[]).map(toDelivery),

    createDigest(chatId, memberIds, uuid, now) {
      try {
        const id = digest(chatId, memberIds, uuid, now);
        return toDelivery(selectById.get(id) as DeliveryRow);
      } catch (error) {
        if (error instanceof DigestRace) return undefined;
        throw error;
      }
    },

    recordRouting: (routeId, teams, decision, error, now) => routed(routeId, teams, decision, error, now),

    digestMembers: (digestId) => (selectMembers.all(digestId) as DeliveryRow[]).map(toDelivery),

    deliveries(filter = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.status) (where.push('d.status = ?'), params.push(filter.status));
      if (filter.eventId) (where.push('d.event_id = ?'), params.push(filter.eventId));
      const sql = `${SELECT_DELIVERIES} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY d.id`;
      return (db.prepare(sql).all(...params) as DeliveryRow[]).map(toDelivery);
    },

    delivery(id) {
      const row = selectById.get(id) as DeliveryRow | undefined;
      return row && toDelivery(row);
    },

    requeue: (id, now) => updateRequeue.run(now, now, now, id).changes === 1,
    requeueAllDead: (now) => updateRequeueAll.run(now, now, now).changes,

    checkWritable() {
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
    },

    outboxStats() {
      const row = outbox.get() as { pending: number; dead: number; oldest: number | null };
      return { pending: row.pending, dead: row.dead, oldestPendingCreatedAt: row.oldest ?? undefined };
    },

    chatChangesSince(since) {
      const rows = chatChanges.all(since) as Array<{ event_id: string; payload: string | null; received_at: number }>;
      return rows.map(chatChangeOf).filter((c) => c !== undefined);
    },

    purgeBefore(cutoff, limit) {
      const events = purgeEvents.run(cutoff, limit).changes;
      const digests = purgeDigests.run(cutoff, limit).changes;
      return { events, more: events === limit || digests === limit };
    },

    durable: () => wal?.durable() ?? Promise.resolve(),

    about: () => ({
      engine: 'sqlite',
      location: path === ':memory:' ? path : resolve(path),
      schemaVersion: SCHEMA_VERSION,
      migrated: migration.applied,
      migratedFrom: migration.from,
    }),

    close() {
      wal?.close();
      if (db.open) db.close();
    },
  };
  return asynchronous(sync);
}

class DigestRace extends Error {}

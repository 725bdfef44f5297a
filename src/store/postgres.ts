// The store on PostgreSQL, shared by any number of bot instances (DATABASE_URL=postgres://…).
// Same behaviour as the SQLite store (sqlite.ts): one transaction per operation, duplicates
// refused by unique constraints (never a read-then-write race between instances), a batch of
// events stored in one statement (group commit: one round trip for many events). A commit is
// durable when it returns (synchronous_commit), so durable() has nothing left to wait for.
//
// Unreachable at start: the store keeps trying with backoff, one log line per failure naming the
// host and the cause; meanwhile every operation fails at once (the webhook answers 503, so Feishu
// pushes again, /readyz says why). A schema from a newer bot is fatal.
//
// Gone silent mid-run (its host died, a partition, a fail-over that moved the address): no error
// ever arrives on the open connections, and without a limit every statement on them waited for
// TCP to give up, ~15 min. Every statement therefore has a deadline on both ends (see TIMEOUTS).
import { createRequire } from 'node:module';
import type pg from 'pg';
import { silentLogger, type Logger } from '../log.js';
import { describeError } from '../feishu/sdk-logger.js';
import { describePostgresUrl } from './postgres-url.js';
import { migratePostgres, postgresVersion, POSTGRES_SCHEMA_VERSION, type PostgresMigrationResult } from './postgres-schema.js';
import { SchemaError } from './sqlite-schema.js';
import { editUuid, planRevocation, revokedFirstReason, unknownInstanceReason, type RevocableRow } from './revocation-plan.js';
import type { Delivery, NewDelivery, NewEvent, RecordResult, RevocationResult, Store } from './store.js';
import { SELECT_DELIVERIES, toDelivery, toStoredEvent, type DeliveryRow } from './rows.js';
import { CHAT_CHANGE_FILTER, chatChangeOf } from './chat-changes.js';
import { databaseClock, type DatabaseClock } from './database-clock.js';
import { purgeStatements } from './purge-statements.js';

export const POSTGRES_URL = /^postgres(ql)?:\/\//;

const PURGE = purgeStatements((n) => `$${n}`);

export interface PostgresStoreOptions {
  log?: Logger;
  /** false: never change the schema, only check it (the CLI). */
  migrate?: boolean;
  /** Backoff between connection attempts at start. */
  retry?: { baseMs: number; maxMs: number };
  poolSize?: number;
  /** Other limits than TIMEOUTS: shorter in tests, none (0) for the CLI. */
  timeouts?: Partial<PostgresTimeouts>;
  /** What pg_stat_activity shows for this process's connections (an application_name in the URL wins). */
  applicationName?: string;
}

export interface PostgresStore extends Store {
  /** Settles after the first connection attempt: resolved (connected, or retrying in the background), rejected only for a schema the bot must not touch. */
  readonly started: Promise<void>;
  /** Whether the schema is in place and operations can run. */
  isReady(): boolean;
  /** Why it is not ready, as logged: what the last attempt to connect and migrate ran into. */
  problem(): string | undefined;
  /** The database's clock, read at start and every 10 s: the one all instances keep time by. */
  readonly clock: DatabaseClock;
  /** The pool, for the sender lease. */
  readonly pool: pg.Pool;
}

/** What an operator can do about a server's refusal at start, by SQLSTATE. */
const REFUSAL_HINTS: Record<string, string> = {
  // Since PostgreSQL 15 only the database's owner may create tables in its schema public.
  '42501': "; the bot's user must own the database (ALTER DATABASE … OWNER TO …) or hold CREATE on its schema public",
  '3D000': "; create it, owned by the bot's user",
  '28P01': '; check the password in DATABASE_URL',
  '28000': "; the server's pg_hba.conf does not let this user in from here",
  '53300': "; every connection the server allows is taken: lower DATABASE_POOL_SIZE on the replicas, or raise the server's limit",
};

/** The line logged (and /readyz's reason) for a failed attempt to connect and migrate. */
function startProblem(where: string, error: unknown): string {
  if (error instanceof PostgresTimeout) return `cannot reach PostgreSQL at ${where}: ${error.what}`;
  // The server answered and said no (pg's DatabaseError carries its SQLSTATE and severity): the
  // network is fine, the set-up is not.
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  if (error instanceof Error && typeof code === 'string' && typeof severity === 'string') {
    return `PostgreSQL at ${where} refused the bot: ${error.message} (SQLSTATE ${code})${REFUSAL_HINTS[code] ?? ''}`;
  }
  return `cannot reach PostgreSQL at ${where}: ${describeError(error)}`;
}

// pg is loaded when a PostgreSQL store opens, not with this module: a bot or CLI on SQLite would
// otherwise pay ~50 ms of CPU at every start for a client it never uses.
let pgModule: typeof pg | undefined;
const loadPg = (): typeof pg => (pgModule ??= createRequire(import.meta.url)('pg') as typeof pg);

// BIGINT columns hold epoch milliseconds and ids, far inside Number's exact range.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (value: string) => Number(value) : loadPg().types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * statementMs: the server cancels a statement that runs longer (statement_timeout); nothing here
 * takes a fraction of it, and Feishu stops waiting for an answer after 3 s anyway.
 * silenceMs: how long the client waits for any answer before it takes the connection for dead and
 * discards it; a little over statementMs, so that a server that is there cancels first.
 * idleInTransactionMs: the server ends the session of a client that vanished inside a transaction,
 * so that its row locks (a claimed delivery) do not outlive it by hours of TCP keepalive.
 * probeMs: /readyz and /metrics answer within it, whether a connection or a statement is slow.
 * connectMs: a new connection, or a turn for one of the pool's, within it.
 * 0 for statementMs or silenceMs: no limit (the CLI: an operator's re-queue of a large backlog may
 * take longer, and the operator is there to interrupt it).
 */
export const TIMEOUTS = { statementMs: 5000, silenceMs: 6000, idleInTransactionMs: 10_000, probeMs: 2000, connectMs: 5000 };
export type PostgresTimeouts = typeof TIMEOUTS;

/** pg's error for a statement unanswered within `query_timeout`. */
const isSilence = (error: unknown) => error instanceof Error && error.message === 'Query read timeout';

/** A limit of TIMEOUTS ran out; `what` says which, for a sentence about the database. */
class PostgresTimeout extends Error {
  constructor(
    where: string,
    readonly what: string,
    cause: unknown,
  ) {
    super(`PostgreSQL at ${where} ${what}`, { cause });
    this.name = 'PostgresTimeout';
  }
}

const freshTeam = (t: string, nowParam: string) =>
  `${t}status = 'pending' AND ${t}audience = 'team' AND ${t}attempts = 0 AND ${t}next_attempt_at <= ${nowParam}`;

/**
 * Inserts deliveries from parallel arrays (deliveryArrays' order) whose parameters start at
 * `$first`; `only` keeps some rows (a WHERE on `d`). Conflicts are skipped.
 */
function insertDeliveries(first: number, only = ''): string {
  const p = (i: number) => `$${first + i}`;
  return `
  INSERT INTO deliveries (event_id, audience, receive_id_type, receive_id, uuid, status, next_attempt_at, created_at, updated_at, retry_from, decision)
  SELECT d.event_id, d.audience, d.receive_id_type, d.receive_id, d.uuid, 'pending', d.now, d.now, d.now, d.now, d.decision
  FROM unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::bigint[], ${p(6)}::text[])
    AS d(event_id, audience, receive_id_type, receive_id, uuid, now, decision)
  ${only}
  ON CONFLICT DO NOTHING`;
}

function deliveryArrays(rows: ReadonlyArray<{ eventId: string; delivery: NewDelivery; now: number }>) {
  return [
    rows.map((r) => r.eventId),
    rows.map((r) => r.delivery.audience),
    rows.map((r) => r.delivery.receiveIdType),
    rows.map((r) => r.delivery.receiveId),
    rows.map((r) => r.delivery.uuid),
    rows.map((r) => r.now),
    rows.map((r) => r.delivery.decision ?? null),
  ];
}

export function openPostgresStore(url: string, options: PostgresStoreOptions = {}): PostgresStore {
  const where = describePostgresUrl(url);
  const limits = { ...TIMEOUTS, ...options.timeouts };
  const pool = new (loadPg().Pool)({
    connectionString: url,
    // A DBA looking at pg_stat_activity sees which replica holds which connection.
    application_name: (options.applicationName ?? 'feishu-approval-bot').slice(0, 63),
    max: options.poolSize ?? 10,
    types,
    connectionTimeoutMillis: limits.connectMs,
    query_timeout: limits.silenceMs,
    // Every query here walks an index in its order and stops at a LIMIT, or looks up a key. When
    // the outbox grows faster than the table's statistics (a burst; a fresh database), the planner
    // guessed a few dozen pending rows, fetched them all by bitmap and sorted them: each look at
    // the outbox read the whole backlog (16 ms at 40,000 pending, 0.7 ms along the index). A
    // session setting, not a startup option, so that a connection pooler in front accepts it.
    onConnect: async (client) => {
      await client.query(
        `SET enable_bitmapscan = off; SET statement_timeout = ${limits.statementMs}; SET idle_in_transaction_session_timeout = ${limits.idleInTransactionMs}`,
      );
    },
  });
  const connectionLost = (error: Error) => options.log?.warn('PostgreSQL connection lost; reconnecting', { database: where, error: describeError(error) });
  // An idle connection dropped by the server must not crash the process; the pool makes a new one.
  pool.on('error', connectionLost);
  const retry = options.retry ?? { baseMs: 1000, maxMs: 30_000 };
  let ready = false;
  let closed = false;
  let lastProblem = 'not connected yet';
  let migration: PostgresMigrationResult = { from: 0, to: 0, applied: [] };
  let retryTimer: NodeJS.Timeout | undefined;
  // Every instance stamps and compares times on the database's clock (see database-clock.ts).
  const clock = databaseClock({ pool, log: options.log ?? silentLogger });
  let clockStarted = false;

  /**
   * A connection of the pool for several statements. While it is out of the pool, a connection
   * that drops emits 'error' on the client, which nothing else listens to: unheard, it ended the
   * process. Heard here, the statement under way fails, and the broken connection is discarded.
   */
  async function withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect().catch((error: unknown) => {
      throw silenced(error);
    });
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
      connectionLost(error);
    };
    client.on('error', onError);
    try {
      return await work(client);
    } catch (error) {
      // A connection that went silent is discarded: its statement may still be waiting on it.
      if (isSilence(error)) lost = error as Error;
      throw silenced(error);
    } finally {
      client.off('error', onError);
      client.release(lost);
    }
  }

  async function connect(): Promise<void> {
    await withClient(async (client) => {
      if (options.migrate === false) {
        const version = await postgresVersion(client);
        if (version !== POSTGRES_SCHEMA_VERSION) {
          throw new SchemaError(`database ${where} has schema version ${version}, this bot needs ${POSTGRES_SCHEMA_VERSION}: start the bot once to migrate it`);
        }
        migration = { from: version, to: version, applied: [] };
      } else migration = await migratePostgres(client, where);
    });
    // Read once before anything is stored, so that the first events are stamped on it too.
    if (!clockStarted) {
      clockStarted = true;
      await clock.start();
    }
    ready = true;
  }

  const started = new Promise<void>((resolveStarted, rejectStarted) => {
    let attempt = 0;
    const tryConnect = async () => {
      try {
        await connect();
        if (attempt > 0) options.log?.info('PostgreSQL reachable; the store is ready', { database: where });
        resolveStarted();
      } catch (error) {
        if (error instanceof SchemaError) return rejectStarted(error);
        lastProblem = startProblem(where, error);
        const wait = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(attempt, 16));
        attempt++;
        options.log?.error(lastProblem, { database: where, retryInMs: wait });
        resolveStarted(); // serving (with 503s) while it retries
        if (!closed) {
          retryTimer = setTimeout(tryConnect, wait);
          retryTimer.unref();
        }
      }
    };
    void tryConnect();
  });
  started.catch(() => undefined);

  /** A statement run often is named: each connection parses and plans it once, not per call. */
  async function query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string | { name: string; text: string }, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    if (!ready) throw new Error(`database not ready: ${lastProblem}`);
    try {
      return await (typeof sql === 'string' ? pool.query<R>(sql, params) : pool.query<R>({ ...sql, values: params }));
    } catch (error) {
      throw silenced(error); // (pool.query has discarded the connection)
    }
  }

  /** pg's timeouts, said in the terms of this store and naming the database. */
  function silenced(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    if (isSilence(error)) return new PostgresTimeout(where, `did not answer within ${limits.silenceMs} ms; connection dropped`, error);
    // pg-pool: a new connection not set up in time, or none of the pool's free in time.
    if (error.message === 'Connection terminated due to connection timeout') return new PostgresTimeout(where, `did not accept a connection within ${limits.connectMs} ms`, error);
    if (error.message === 'timeout exceeded when trying to connect') return new PostgresTimeout(where, `had no connection free within ${limits.connectMs} ms: every one of the pool's is in use`, error);
    return error;
  }

  /** The answer of a probe (/readyz, /metrics) within its limit, or an error that says so. */
  async function probe<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PostgresTimeout(where, `did not answer within ${limits.probeMs} ms`, undefined)), limits.probeMs);
    });
    work.catch(() => undefined); // settled later, unheard, once the probe gave up
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (!ready) throw new Error(`database not ready: ${lastProblem}`);
    return withClient(async (client) => {
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // (On a silent connection there is no one to roll back with; its end rolls back.)
        if (!isSilence(error)) await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  // The reason of an approval stored after its revocation, built in SQL around the revocation's id.
  const [revokedBefore, revokedAfter] = revokedFirstReason('\u0000').split('\u0000');

  async function recordEvents(batch: ReadonlyArray<{ event: NewEvent; deliveries: readonly NewDelivery[] }>): Promise<RecordResult[]> {
    // The same event twice in one batch: the first is the one stored.
    const first = new Map<string, number>();
    batch.forEach((item, i) => {
      if (!first.has(item.event.eventId)) first.set(item.event.eventId, i);
    });
    const unique = [...first.values()].map((i) => batch[i]!);
    const events = unique.map((u) => u.event);
    const deliveries = unique.flatMap((u) => u.deliveries.map((delivery) => ({ eventId: u.event.eventId, delivery, now: u.event.receivedAt })));
    // One statement, one round trip: the events that are new (any unique violation — event id or
    // business key — skips the row), and the deliveries of exactly those. An approval whose
    // instance was revoked first (Feishu's pushes are not ordered) is kept as ignored, with the
    // revocation's id, and gets no deliveries: the revocation of its kind first, else one that
    // named no kind, the earliest of either.
    const sql = `
      WITH incoming AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::int[], $10::text[])
          AS t(event_id, event_type, kind, instance_code, status, reason, payload, received_at, ord, action)
      ), revoked AS (
        SELECT i.ord, r.event_id AS revoked_by
        FROM incoming i CROSS JOIN LATERAL (
          SELECT event_id FROM events r WHERE r.action = 'revoke' AND r.instance_code = i.instance_code AND (r.kind = i.kind OR r.kind IS NULL)
          ORDER BY r.kind IS NULL, r.received_at LIMIT 1
        ) r
        WHERE i.status = 'accepted' AND i.action = 'approve'
      ), inserted AS (
        INSERT INTO events (event_id, event_type, kind, instance_code, status, reason, payload, received_at, action)
        SELECT i.event_id, i.event_type, i.kind, i.instance_code,
               CASE WHEN r.revoked_by IS NULL THEN i.status ELSE 'ignored' END,
               CASE WHEN r.revoked_by IS NULL THEN i.reason ELSE $11 || r.revoked_by || $12 END,
               i.payload, i.received_at, i.action
        FROM incoming i LEFT JOIN revoked r USING (ord) ORDER BY i.ord
        ON CONFLICT DO NOTHING
        RETURNING event_id
      ), kept AS (
        SELECT n.event_id, r.ord IS NOT NULL AS revoked FROM inserted n JOIN incoming i USING (event_id) LEFT JOIN revoked r USING (ord)
      ), planned AS (${insertDeliveries(13, 'WHERE d.event_id IN (SELECT event_id FROM kept WHERE NOT revoked)')}
      )
      SELECT event_id, revoked FROM kept`;
    const result = await query<{ event_id: string; revoked: boolean }>({ name: 'record-events', text: sql }, [
      events.map((e) => e.eventId),
      events.map((e) => e.eventType),
      events.map((e) => e.kind ?? null),
      events.map((e) => e.instanceCode ?? null),
      events.map((e) => e.status),
      events.map((e) => e.reason ?? null),
      events.map((e) => e.payload ?? null),
      events.map((e) => e.receivedAt),
      events.map((_, i) => i),
      events.map((e) => e.action ?? 'approve'),
      revokedBefore,
      revokedAfter,
      ...deliveryArrays(deliveries),
    ]);
    const stored = new Map(result.rows.map((r) => [r.event_id, r.revoked]));
    return batch.map((item, i) => {
      if (first.get(item.event.eventId) !== i || !stored.has(item.event.eventId)) return 'duplicate';
      return stored.get(item.event.eventId) ? 'revoked' : 'stored';
    });
  }

  const deliveriesWhere = async (where: string, params: unknown[]) =>
    (await query<DeliveryRow>(`${SELECT_DELIVERIES} ${where}`, params)).rows.map(toDelivery);

  return {
    pool,
    clock,
    started,
    isReady: () => ready,
    problem: () => (ready ? undefined : lastProblem),

    recordEvents,
    recordEvent: async (event, deliveries) => (await recordEvents([{ event, deliveries }]))[0]!,

    async event(eventId) {
      const row = (await query('SELECT * FROM events WHERE event_id = $1', [eventId])).rows[0];
      if (!row) return undefined;
      return toStoredEvent(row);
    },

    async dueDeliveries(now, limit, exclude) {
      // The page of ids from the queue index first, then the join: on a table that grew faster than
      // its statistics, the planner otherwise joined every pending row to its event before sorting.
      const rows = await deliveriesWhere(
        `WHERE d.id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2) ORDER BY d.next_attempt_at, d.id`,
        [now, limit + exclude.size],
      );
      return rows.filter((row) => !exclude.has(row.id)).slice(0, limit);
    },

    async nextDueAt() {
      const row = (await query<{ due: number | null }>("SELECT MIN(next_attempt_at) AS due FROM deliveries WHERE status = 'pending'")).rows[0];
      return row?.due ?? undefined;
    },

    async markAttempting(id, now) {
      // Only while pending: a revocation that cancelled it first wins, and nothing is sent.
      const result = await query("UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = $1, updated_at = $1 WHERE id = $2 AND status = 'pending'", [now, id]);
      return result.rowCount === 1;
    },

    async recentAttempts(since) {
      const rows = await query<{ receive_id_type: string; receive_id: string; at: number }>(
        "SELECT receive_id_type, receive_id, last_attempt_at AS at FROM deliveries WHERE last_attempt_at > $1 AND audience != 'route' ORDER BY last_attempt_at",
        [since],
      );
      return rows.rows.map((r) => ({ receiveIdType: r.receive_id_type as Delivery['receiveIdType'], receiveId: r.receive_id, at: r.at }));
    },

    async markSent(id, messageId, now) {
      await query(
        `UPDATE deliveries SET status = 'sent', message_id = $1, last_error = NULL, updated_at = $2
         WHERE id IN (SELECT $3::bigint UNION ALL SELECT id FROM deliveries WHERE digest_id = $3 AND status = 'digested')`,
        [messageId, now, id],
      );
    },
    async markRetry(id, error, nextAttemptAt, now) {
      await query('UPDATE deliveries SET last_error = $1, next_attempt_at = $2, updated_at = $3 WHERE id = $4', [error, nextAttemptAt, now, id]);
    },
    async markDead(id, error, now) {
      await query("UPDATE deliveries SET status = 'dead', last_error = $1, updated_at = $2 WHERE id = $3", [error, now, id]);
    },
    async markCancelled(id, reason, now) {
      await query("UPDATE deliveries SET status = 'cancelled', last_error = $1, updated_at = $2 WHERE id = $3 AND status = 'pending'", [reason, now, id]);
    },

    recordRevocation: (event) =>
      transaction(async (client): Promise<RevocationResult> => {
        // Revocations of one instance, arriving at several instances at once, take turns.
        await client.query("SELECT pg_advisory_xact_lock(hashtext('revoke:' || $1))", [event.instanceCode ?? '']);
        const seen = await client.query(
          "SELECT 1 FROM events WHERE event_id = $1 UNION ALL SELECT 1 FROM events WHERE instance_code = $2 AND status = 'accepted' AND action = 'revoke' LIMIT 1",
          [event.eventId, event.instanceCode],
        );
        if (seen.rowCount) return { result: 'duplicate' };
        const kind = event.kind ?? null;
        const approval = (
          await client.query<{ event_id: string }>(
            "SELECT event_id FROM events WHERE instance_code = $1 AND status = 'accepted' AND action = 'approve' AND ($2::text IS NULL OR kind = $2) ORDER BY received_at LIMIT 1 FOR UPDATE",
            [event.instanceCode, kind],
          )
        ).rows[0]?.event_id;
        const insert = (status: string, reason: string | null) =>
          client.query(
            `INSERT INTO events (event_id, event_type, kind, instance_code, status, reason, payload, received_at, action)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'revoke') ON CONFLICT DO NOTHING`,
            [event.eventId, event.eventType, kind, event.instanceCode, status, reason, event.payload ?? null, event.receivedAt],
          );
        if (approval === undefined) {
          if (!(await insert('ignored', unknownInstanceReason(event.instanceCode))).rowCount) return { result: 'duplicate' };
          return { result: 'stored', outcome: 'unknown' };
        }
        if (!(await insert('accepted', null)).rowCount) return { result: 'duplicate' };
        await client.query('UPDATE events SET revoked_by = $1 WHERE event_id = $2', [event.eventId, approval]);
        // The route row first: if its decision is being recorded, this waits for it, and the next
        // statement (a new snapshot) sees the team deliveries it made.
        await client.query("SELECT id FROM deliveries WHERE event_id = $1 AND audience = 'route' FOR UPDATE", [approval]);
        const rows = await client.query<RevocableRow>(
          `SELECT id, audience, status, attempts, digest_id AS "digestId", receive_id_type AS "receiveIdType", receive_id AS "receiveId"
           FROM deliveries WHERE event_id = $1 ORDER BY id FOR UPDATE`,
          [approval],
        );
        const plan = planRevocation(rows.rows);
        const now = event.receivedAt;
        if (plan.cancel.length > 0) {
          await client.query(
            `UPDATE deliveries SET status = 'cancelled', last_error = c.reason, updated_at = $3
             FROM unnest($1::bigint[], $2::text[]) AS c(id, reason) WHERE deliveries.id = c.id AND deliveries.status = 'pending'`,
            [plan.cancel.map((c) => c.id), plan.cancel.map((c) => c.reason), now],
          );
        }
        if (plan.edits.length > 0) {
          await client.query(
            `INSERT INTO deliveries (event_id, audience, receive_id_type, receive_id, uuid, status, next_attempt_at, created_at, updated_at, retry_from, target_id)
             SELECT $1, 'edit', e.receive_id_type, e.receive_id, e.uuid, 'pending', $5, $5, $5, $5, e.target_id
             FROM unnest($2::text[], $3::text[], $4::text[], $6::bigint[]) AS e(receive_id_type, receive_id, uuid, target_id)
             ON CONFLICT DO NOTHING`,
            [
              event.eventId,
              plan.edits.map((e) => e.receiveIdType),
              plan.edits.map((e) => e.receiveId),
              plan.edits.map((e) => editUuid(event.eventId, e.targetId)),
              now,
              plan.edits.map((e) => e.targetId),
            ],
          );
        }
        return { result: 'stored', outcome: 'revoked', approvalEventId: approval, cancelled: plan.cancel.length, edits: plan.edits.length };
      }),

    async chatBacklogged(chatId, now, min) {
      const row = (await query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM (SELECT 1 FROM deliveries WHERE receive_id = $1 AND ${freshTeam('', '$2')} LIMIT $3) t`, [chatId, now, min])).rows[0];
      return (row?.n ?? 0) >= min;
    },

    digestCandidates: (chatId, now, limit) => deliveriesWhere(`WHERE d.receive_id = $1 AND ${freshTeam('d.', '$2')} ORDER BY d.id LIMIT $3`, [chatId, now, limit]),

    async createDigest(chatId, memberIds, uuid, now) {
      const id = await transaction(async (client) => {
        const inserted = await client.query<{ id: number }>(
          `INSERT INTO deliveries (event_id, audience, receive_id_type, receive_id, uuid, status, next_attempt_at, created_at, updated_at, retry_from)
           VALUES (NULL, 'digest', 'chat_id', $1, $2, 'pending', $3, $3, $3, $3) RETURNING id`,
          [chatId, uuid, now],
        );
        const digestId = inserted.rows[0]!.id;
        const joined = await client.query(
          // Locked by id first and checked after: asked in one WHERE, the planner walked the chat's
          // whole fresh-team index (55 ms at 20,000 waiting) instead of looking up the members.
          `WITH locked AS (SELECT id, status, audience, attempts, next_attempt_at, receive_id FROM deliveries WHERE id = ANY($3::bigint[]) FOR UPDATE)
           UPDATE deliveries SET status = 'digested', digest_id = $1, updated_at = $2
           FROM locked WHERE deliveries.id = locked.id AND ${freshTeam('locked.', '$2')} AND locked.receive_id = $4`,
          [digestId, now, memberIds, chatId],
        );
        // Every member must still be fresh; otherwise the digest is not recorded at all.
        if (joined.rowCount !== memberIds.length) throw new DigestRace();
        return digestId;
      }).catch((error) => {
        if (error instanceof DigestRace) return undefined;
        throw error;
      });
      return id === undefined ? undefined : (await deliveriesWhere('WHERE d.id = $1', [id]))[0];
    },

    digestMembers: (digestId) => deliveriesWhere('WHERE d.digest_id = $1 ORDER BY d.id', [digestId]),

    recordRouting: (routeId, teams, decision, error, now) =>
      transaction(async (client) => {
        const route = (await client.query<{ event_id: string; audience: string; status: string }>('SELECT event_id, audience, status FROM deliveries WHERE id = $1 FOR UPDATE', [routeId])).rows[0];
        if (!route || route.audience !== 'route' || route.status !== 'pending') return false;
        if (teams.length > 0) {
          await client.query(insertDeliveries(1), deliveryArrays(teams.map((delivery) => ({ eventId: route.event_id, delivery, now }))));
        }
        await client.query("UPDATE deliveries SET status = $1, decision = $2, last_error = $3, updated_at = $4 WHERE id = $5", [error === null ? 'sent' : 'dead', decision, error, now, routeId]);
        return true;
      }),

    async deliveries(filter = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.status) (params.push(filter.status), where.push(`d.status = $${params.length}`));
      if (filter.eventId) (params.push(filter.eventId), where.push(`d.event_id = $${params.length}`));
      return deliveriesWhere(`${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY d.id`, params);
    },

    delivery: async (id) => (await deliveriesWhere('WHERE d.id = $1', [id]))[0],

    async requeue(id, now) {
      const result = await query("UPDATE deliveries SET status = 'pending', next_attempt_at = $1, retry_from = $1, updated_at = $1 WHERE id = $2 AND status = 'dead'", [now, id]);
      return result.rowCount === 1;
    },
    async requeueAllDead(now) {
      return (await query("UPDATE deliveries SET status = 'pending', next_attempt_at = $1, retry_from = $1, updated_at = $1 WHERE status = 'dead'", [now])).rowCount ?? 0;
    },

    async checkWritable() {
      // Reachable, and taking writes: not a standby (after a fail-over of PostgreSQL itself), and
      // not read-only for sessions (Azure's managed servers do that when their disk is nearly full):
      // else every event would be refused with a 503 behind a replica that looked ready.
      const row = (
        await probe(query<{ standby: boolean; read_only: boolean }>("SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only')::boolean AS read_only"))
      ).rows[0];
      if (row?.standby) throw new Error(`PostgreSQL at ${where} is read-only: a standby, not the primary`);
      if (row?.read_only) throw new Error(`PostgreSQL at ${where} is read-only: default_transaction_read_only is on (a managed server's disk nearly full?)`);
    },

    async outboxStats() {
      const row = (
        await probe(
          query<{ pending: number; dead: number; oldest: number | null }>(
            `SELECT COUNT(*) FILTER (WHERE status = 'pending')::int AS pending, COUNT(*) FILTER (WHERE status = 'dead')::int AS dead,
                    MIN(created_at) FILTER (WHERE status IN ('pending', 'digested')) AS oldest
             FROM deliveries WHERE status IN ('pending', 'dead', 'digested')`,
          ),
        )
      ).rows[0]!;
      return { pending: row.pending, dead: row.dead, oldestPendingCreatedAt: row.oldest ?? undefined };
    },

    async chatChangesSince(since) {
      const { rows } = await query<{ event_id: string; payload: string | null; received_at: number }>(
        `SELECT event_id, payload, received_at FROM events WHERE ${CHAT_CHANGE_FILTER} AND received_at > $1 ORDER BY received_at`,
        [since],
      );
      return rows.map(chatChangeOf).filter((c) => c !== undefined);
    },

    async purgeBefore(cutoff, limit) {
      const events = (await query(PURGE.events, [cutoff, limit])).rowCount ?? 0;
      const digests = (await query(PURGE.digests, [cutoff, limit])).rowCount ?? 0;
      return { events, more: events === limit || digests === limit };
    },

    durable: () => Promise.resolve(),

    about: () => ({
      engine: 'postgres',
      location: where,
      schemaVersion: POSTGRES_SCHEMA_VERSION,
      migrated: migration.applied,
      migratedFrom: migration.from,
    }),

    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(retryTimer);
      clock.stop();
      await pool.end();
    },
  };
}

class DigestRace extends Error {}

// The PostgreSQL store when the database goes silent — its host died, a partition — or a statement
// waits too long: every wait has an end, the store says which, and nothing is left holding a
// connection or a lock. (The bot's side, /readyz and the webhook over a fail-over, is in
// test/e2e/postgres-silence.test.ts.)
import pg from 'pg';
import { expect, it } from 'vitest';
import { openPostgresStore, type PostgresTimeouts } from '../../src/store/postgres.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { eventually } from '../support/harness.js';
import { freshDatabase } from '../support/postgres.js';
import { postgresRelay } from '../support/postgres-relay.js';
import { approval, card, holdRevocationLock, revocation, revocationWaiting } from '../support/revocation-lock.js';

const cleanups = cleanupsAfterEach();

const SHORT: Partial<PostgresTimeouts> = { statementMs: 400, silenceMs: 600, idleInTransactionMs: 500, probeMs: 300, connectMs: 600 };

/** A database, a relay to it, a store of one connection through the relay; all closed after the test. */
async function storeBehindRelay() {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  const relay = await postgresRelay(db.url);
  await relay.listen();
  const store = openPostgresStore(relay.url, { poolSize: 1, timeouts: SHORT });
  cleanups.push(() => store.close());
  cleanups.push(() => relay.close()); // first: a silent connection would hold the store's close
  await store.started;
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  cleanups.push(() => admin.end());
  return { relay, store, admin };
}

const timed = async <T>(work: Promise<T>) => {
  const started = performance.now();
  const settled = await work.then(
    (value) => ({ value, error: undefined }),
    (error: Error) => ({ value: undefined, error }),
  );
  return { ...settled, ms: performance.now() - started };
};

it('a statement on a silent connection fails after the silence limit, in words; the connection is dropped, and the next statement after a fail-over goes through at once', async () => {
  const { relay, store } = await storeBehindRelay();
  expect(await store.recordEvent(approval, card)).toBe('stored');

  relay.silence();
  // A transaction (the revocation) on the pool's only connection, and a statement waiting for it.
  const [revoking, waiting] = await Promise.all([timed(store.recordRevocation(revocation('r1'))), timed(store.recordEvent({ ...approval, eventId: 'e2' }, []))]);
  expect(revoking.error?.message).toMatch(/^PostgreSQL at 127\.0\.0\.1:\d+\/bot_test_\w+ did not answer within 600 ms; connection dropped$/);
  expect(revoking.ms).toBeLessThan(600 + 500);
  expect(waiting.error?.message).toMatch(/^PostgreSQL at 127\.0\.0\.1:\d+\/bot_test_\w+ had no connection free within 600 ms: every one of the pool's is in use$/);

  relay.failOver();
  // The silent connection is not handed out again: Feishu's next push of the revocation goes
  // through at once, on a new one.
  const retried = await timed(store.recordRevocation(revocation('r1')));
  expect(retried.error).toBeUndefined();
  expect(retried.value).toMatchObject({ result: 'stored', outcome: 'revoked', cancelled: 1 });
  expect(retried.ms).toBeLessThan(400);

  // A probe gives up sooner, whether it waits for its statement or for a connection.
  relay.silence();
  const probing = await timed(store.checkWritable());
  expect(probing.error?.message).toMatch(/^PostgreSQL at 127\.0\.0\.1:\d+\/bot_test_\w+ did not answer within 300 ms$/);
  expect(probing.ms).toBeLessThan(300 + 200);
  relay.failOver();
  await eventually(() => store.checkWritable().then(() => true, () => false), 'writable again', 3000);
});

it('a statement that waits longer than the statement limit is cancelled by the server; the connection stays in use', async () => {
  const { store, admin } = await storeBehindRelay();
  expect(await store.recordEvent(approval, card)).toBe('stored');
  const pidBefore = (await store.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  // Another session holds the instance's revocation lock for longer than the limit.
  await holdRevocationLock(admin);
  const revoking = await timed(store.recordRevocation(revocation('r1')));
  await admin.query('ROLLBACK');
  expect(revoking.error?.message).toBe('canceling statement due to statement timeout');
  expect(revoking.ms).toBeGreaterThanOrEqual(350);
  expect(revoking.ms).toBeLessThan(600); // the server's limit, before the client's own
  expect(await store.recordRevocation(revocation('r1'))).toMatchObject({ result: 'stored', outcome: 'revoked' });
  expect((await store.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid).toBe(pidBefore);
});

it('a replica that vanishes inside a transaction does not keep its locks: the server ends its session', async () => {
  const { relay, store, admin } = await storeBehindRelay();
  expect(await store.recordEvent(approval, card)).toBe('stored');
  // The store's revocation waits for the lock inside its transaction…
  const { pid } = await revocationWaiting(store, admin, 'r1');
  // …when its replica vanishes: the server gets the lock, answers into the void and waits for a
  // next statement that never comes, holding the lock and the approval's rows.
  relay.silence();
  await admin.query('ROLLBACK');
  await eventually(async () => {
    const rows = await admin.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
    return rows.rows[0]?.state === 'idle in transaction';
  }, 'the vanished session idle in its transaction');
  // Ended by the server after idle_in_transaction_session_timeout: its locks are free again.
  await eventually(async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0, 'the session ended', 3000);
  await admin.query('BEGIN');
  expect((await admin.query<{ got: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('revoke:' || $1)) AS got", ['I1'])).rows[0]!.got).toBe(true);
  await admin.query('ROLLBACK');
});

it('a database silent at start: one line with host and cause per attempt, ready once it answers', async () => {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  const relay = await postgresRelay(db.url);
  await relay.listen();
  relay.silence();
  const errors: string[] = [];
  const log = { error: (message: string) => errors.push(message), warn: () => undefined, info: () => undefined, debug: () => undefined };
  const store = openPostgresStore(relay.url, { log: log as never, timeouts: SHORT, retry: { baseMs: 100, maxMs: 100 } });
  cleanups.push(() => store.close());
  cleanups.push(() => relay.close());
  await store.started;
  expect(store.isReady()).toBe(false);
  expect(errors[0]).toMatch(/^cannot reach PostgreSQL at 127\.0\.0\.1:\d+\/bot_test_\w+: did not accept a connection within 600 ms$/);
  await expect(store.checkWritable()).rejects.toThrow(/^database not ready: cannot reach PostgreSQL at .* did not accept a connection within 600 ms$/);
  relay.failOver();
  await eventually(() => store.isReady(), 'ready once PostgreSQL answers', 5000);
  expect(await store.recordEvent(approval, card)).toBe('stored');
});

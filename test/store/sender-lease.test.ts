// The sender lease on PostgreSQL: one process sends at a time, whatever the instances are called.
// Real leases on a real database with a short lease (1 s, renewed every 333 ms: short, yet long
// enough that a loaded test machine's slow round trips do not make the holder give it up).
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { senderLease, type SenderLease } from '../../src/store/sender-lease.js';
import { eventually, sleep } from '../support/harness.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { freshDatabase } from '../support/postgres.js';

const TTL_MS = 1000;
const RENEW_MS = Math.floor(TTL_MS / 3);
const cleanups = cleanupsAfterEach();

async function database() {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  const store = openPostgresStore(db.url);
  cleanups.push(() => store.close());
  await store.started; // migrated: the leases table is there
  return store.pool;
}

type Pool = Awaited<ReturnType<typeof database>>;

/** A lease as an instance holds it, with what it logged and how often it was told to start and stop sending. */
function instance(pool: Pool, instanceId: string) {
  const errors: string[] = [];
  const reasons: string[] = [];
  const log: Logger = { debug() {}, info: (_msg, fields) => void reasons.push(String(fields?.reason)), warn() {}, error: (msg) => errors.push(msg) };
  const turns = { acquired: 0, lost: 0 };
  const lease: SenderLease = senderLease({
    pool,
    instanceId,
    ttlMs: TTL_MS,
    log,
    onAcquired: () => void turns.acquired++,
    onLost: () => void turns.lost++,
  });
  lease.start();
  cleanups.push(() => lease.stop());
  return { lease, errors, reasons, turns };
}

/** Two instances on a fresh database, once one of them sends. */
async function pairWithASender(names: [string, string]) {
  const pool = await database();
  const [a, b] = [instance(pool, names[0]), instance(pool, names[1])];
  await eventually(() => a.lease.isSender() || b.lease.isSender(), 'a sender chosen');
  return { pool, a, b };
}

/** Watches the leases for `ms` and returns the most that ever called themselves the sender at once. */
async function mostSendersAtOnce(leases: SenderLease[], ms: number): Promise<number> {
  let most = 0;
  for (const until = Date.now() + ms; Date.now() < until; await sleep(10)) {
    most = Math.max(most, leases.filter((l) => l.isSender()).length);
  }
  return most;
}

describe('the sender lease', () => {
  it('is held by one instance at a time; when it stops, another takes over', async () => {
    const { a, b } = await pairWithASender(['pod-a', 'pod-b']);
    expect(await mostSendersAtOnce([a.lease, b.lease], 700)).toBe(1);
    const [holder, standby] = a.lease.isSender() ? [a, b] : [b, a];
    expect(standby.lease.sender()).toBe(holder === a ? 'pod-a' : 'pod-b');

    await holder.lease.stop(); // a graceful stop hands the lease over at once
    await eventually(() => standby.lease.isSender(), 'the standby sends', 4000);
    expect(holder.turns).toEqual({ acquired: 1, lost: 1 });
    expect([a.errors, b.errors]).toEqual([[], []]);
  });

  it('stops the holder sending before its lease can run out when a renewal hangs, neither answering nor failing', async () => {
    const { pool, a, b } = await pairWithASender(['pod-a', 'pod-b']);
    const holder = a.lease.isSender() ? a : b;
    // Another session locks the lease row: every renewal waits on it, as on a cut connection.
    const blocker = await pool.connect();
    await blocker.query('BEGIN');
    await blocker.query("SELECT * FROM leases WHERE name = 'sender' FOR UPDATE");
    await eventually(() => !holder.lease.isSender(), 'the holder stops sending', 4000);
    // On its own clock, a third of a lease before the lease runs out for the others.
    expect(holder.reasons.at(-1)).toBe(`lease not renewed within ${TTL_MS - RENEW_MS} ms`);
    expect(holder.turns.lost).toBe(1);

    await blocker.query('COMMIT');
    blocker.release();
    await eventually(() => a.lease.isSender() || b.lease.isSender(), 'a sender again', 4000);
    expect(await mostSendersAtOnce([a.lease, b.lease], 500)).toBe(1);
  });

  it('is held by one process even when two are given the same INSTANCE_ID, and the standby says why', async () => {
    const { pool, a: first, b: twin } = await pairWithASender(['bot', 'bot']);
    // Keyed by the name alone, both renewed "their" lease and both sent.
    expect(await mostSendersAtOnce([first.lease, twin.lease], 1000)).toBe(1);
    const [holder, standby] = first.lease.isSender() ? [first, twin] : [twin, first];
    expect(standby.lease.problem()).toMatch(/another instance runs with INSTANCE_ID=bot and sends; give each instance its own INSTANCE_ID/);
    expect(standby.errors).toEqual([standby.lease.problem()]); // said once, not every 100 ms
    expect(holder.lease.problem()).toBeUndefined();

    // Stopping the standby must not release the holder's lease: it is the process's, not the name's.
    await standby.lease.stop();
    expect(await mostSendersAtOnce([holder.lease], 500)).toBe(1);
    const third = instance(pool, 'bot');
    expect(await mostSendersAtOnce([holder.lease, third.lease], 700)).toBe(1);
    expect(holder.lease.isSender()).toBe(true);
    expect(third.lease.problem()).toBeDefined();
    // Once it holds the lease itself, it has nothing to warn about.
    await holder.lease.stop();
    await eventually(() => third.lease.isSender(), 'the third sends', 4000);
    expect(third.lease.problem()).toBeUndefined();
  });

  it("takes over the lease of its own predecessor (a restarted container, same INSTANCE_ID) once it expires, without calling it a twin", async () => {
    const pool = await database();
    // What a process killed with -9 leaves: a lease under this name that nobody renews.
    await pool.query("INSERT INTO leases (name, holder, token, expires_at) VALUES ('sender', 'host:1', 'the dead process', (extract(epoch from clock_timestamp()) * 1000)::bigint + $1)", [TTL_MS]);
    const restarted = instance(pool, 'host:1');
    await eventually(() => restarted.lease.isSender(), 'the restarted process sends', 4000);
    expect(restarted.errors).toEqual([]);
    expect(restarted.lease.problem()).toBeUndefined();
  });
});

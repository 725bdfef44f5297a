// One sender among the instances on a PostgreSQL database: Feishu's send limits are per app, so
// only the instance holding the lease runs the delivery worker. The holder renews the lease; when
// it dies, the lease expires (on the database's clock, so the instances' clocks do not matter) and
// a standby takes it over. A holder that cannot renew in time stops sending before its lease can
// have expired: two senders never overlap by design, and if one ever did, the uuid of each
// delivery keeps Feishu from showing a card twice. The lease belongs to a process (a token drawn
// at start), not to its INSTANCE_ID: two replicas misconfigured with one id still take turns.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../log.js';
import { DATABASE_NOW_MS as NOW_MS } from './database-clock.js';

export interface SenderLeaseOptions {
  pool: pg.Pool;
  instanceId: string;
  /** How long the lease lasts unrenewed. */
  ttlMs: number;
  log: Logger;
  /** Called when this instance becomes the sender, and when it stops being it. */
  onAcquired: () => void | Promise<void>;
  onLost: () => void | Promise<void>;
}

export function senderLease(options: SenderLeaseOptions) {
  const { pool, instanceId, ttlMs, log } = options;
  // Renew three times per lease; a standby looks as often, so it takes over within ttl + ttl/3.
  const everyMs = Math.max(100, Math.floor(ttlMs / 3));
  let leader = false;
  let holder: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  /** Ends the sending when the lease was not renewed in time, whether or not the renewal answered. */
  let watchdog: NodeJS.Timeout | undefined;
  let stopped = false;
  let transition: Promise<void> = Promise.resolve();
  const token = randomUUID();
  /** Set when another live process holds the lease under this instance's own INSTANCE_ID. */
  let problem: string | undefined;
  /** The expiry of a same-named holder's lease when last seen: a live one moves it on. */
  let twinExpiry: number | undefined;

  const become = (next: boolean, why: string) => {
    if (next === leader) return;
    leader = next;
    log.info(next ? 'this instance is now the sender' : 'this instance stopped sending', { instance: instanceId, reason: why });
    transition = transition.then(() => (next ? options.onAcquired() : options.onLost())).catch((error) => log.error('sender hand-over failed', { error }));
  };

  async function tick(): Promise<void> {
    // The database renews the lease after this moment, so it runs until this + ttl at the earliest.
    // A monotonic clock: a step of the wall clock (NTP) must not stretch or shrink the margin.
    const asked = performance.now();
    const safeUntil = asked + ttlMs - everyMs;
    try {
      const result = await pool.query<{ holder: string; mine: boolean }>(
        `INSERT INTO leases (name, holder, token, expires_at) VALUES ('sender', $1, $3, ${NOW_MS} + $2)
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
           WHERE (leases.holder = EXCLUDED.holder AND leases.token = EXCLUDED.token) OR leases.expires_at < ${NOW_MS}
         RETURNING holder, true AS mine`,
        [instanceId, ttlMs, token],
      );
      if (result.rows.length === 1) {
        holder = instanceId;
        problem = twinExpiry = undefined;
        if (performance.now() >= safeUntil) return; // answered too late to count on; the next renewal will
        become(true, 'lease acquired');
        // A renewal that hangs (a network cut that neither answers nor fails) must not keep this
        // instance sending after another may have taken the lease over.
        clearTimeout(watchdog);
        watchdog = setTimeout(() => become(false, `lease not renewed within ${ttlMs - everyMs} ms`), safeUntil - performance.now());
        watchdog.unref();
      } else {
        clearTimeout(watchdog);
        const row = (await pool.query<{ holder: string; token: string | null; expires_at: number }>("SELECT holder, token, expires_at FROM leases WHERE name = 'sender'")).rows[0];
        holder = row?.holder;
        // Same name, other process: a twin if it renews; this process's own predecessor (a restart
        // of the container, whose default id is the same host:1) only waits to expire.
        const sameName = row !== undefined && row.holder === instanceId && row.token !== token;
        const renewing = sameName && twinExpiry !== undefined && Number(row.expires_at) !== twinExpiry;
        twinExpiry = sameName ? Number(row.expires_at) : undefined;
        if (renewing && problem === undefined) {
          problem = `another instance runs with INSTANCE_ID=${instanceId} and sends; give each instance its own INSTANCE_ID, or /readyz and /metrics cannot tell them apart`;
          log.error(problem, { instance: instanceId });
        } else if (!sameName) problem = undefined;
        become(false, `lease held by ${holder}`);
      }
    } catch (error) {
      // Cannot reach the database: the watchdog stops the sending before the lease can run out.
      log.debug('sender lease not renewed', { instance: instanceId, error: (error as Error).message });
    }
  }

  const loop = async () => {
    await tick();
    if (!stopped) {
      timer = setTimeout(loop, everyMs);
      timer.unref();
    }
  };

  return {
    start(): void {
      void loop();
    },
    isSender: () => leader,
    /** The instance that holds the lease, as last seen. */
    sender: () => holder,
    /** Why the sender this instance names may be another process of the same name, if it may. */
    problem: () => problem,
    /** Stops sending and hands the lease over at once (a graceful stop need not wait for expiry). */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(watchdog);
      become(false, 'shutting down');
      await transition;
      await pool.query("DELETE FROM leases WHERE name = 'sender' AND token = $1", [token]).catch(() => undefined);
    },
  };
}

export type SenderLease = ReturnType<typeof senderLease>;

// The clock every instance on a shared PostgreSQL database keeps: the database's, read now and
// then and carried forward on the process's monotonic clock, whatever the machine's wall clock says.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { bestReading, databaseClock, databaseTimeAt, type ClockReading } from '../../src/store/database-clock.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { freshDatabase } from '../support/postgres.js';

const cleanups = cleanupsAfterEach();

function recordingLog() {
  const warnings: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (msg) => void warnings.push(msg), error() {} };
  return { log, warnings };
}

/** A pool whose database clock is `databaseMs()` and whose every query takes `rttMs()` of the fake monotonic clock. */
function fakeDatabase(clock: { mono: number }, databaseMs: () => number, rttMs: () => number) {
  return {
    async query() {
      clock.mono += rttMs() / 2;
      const now = databaseMs();
      clock.mono += rttMs() / 2;
      return { rows: [{ now: String(now) }] };
    },
  } as unknown as pg.Pool;
}

describe('reading the database clock', () => {
  it('takes the answer as read half-way through the round trip', () => {
    const reading: ClockReading = { sentAt: 100, answeredAt: 140, databaseMs: 5_000_000 };
    expect(databaseTimeAt(reading, 120)).toBe(5_000_000);
    expect(databaseTimeAt(reading, 1120)).toBe(5_001_000);
  });

  it('trusts the reading with the shortest round trip, the latest of equals', () => {
    const slow = { sentAt: 0, answeredAt: 50, databaseMs: 1 };
    const quick = { sentAt: 100, answeredAt: 102, databaseMs: 2 };
    const quickAgain = { sentAt: 200, answeredAt: 202, databaseMs: 3 };
    expect(bestReading([slow, quick])).toBe(quick);
    expect(bestReading([quick, slow, quickAgain])).toBe(quickAgain);
    expect(bestReading([])).toBeUndefined();
  });
});

describe('the clock of an instance on a shared database', () => {
  it("keeps the database's time on the monotonic clock, whatever this machine's wall clock does", async () => {
    const t = { mono: 1000 };
    const database = () => 1_700_000_000_000 + t.mono; // the database's clock runs with ours
    let step = 0;
    const wall = () => database() + 90_000 + step; // 90 s ahead of the database's
    const { log, warnings } = recordingLog();
    const clock = databaseClock({ pool: fakeDatabase(t, database, () => 4), log, monotonic: () => t.mono, wall, everyMs: 60_000 });
    expect(clock.now()).toBe(wall()); // before the first reading: this machine's
    await clock.start();
    cleanups.push(async () => clock.stop());
    expect(clock.now()).toBe(database());
    expect(clock.offsetMs()).toBe(-90_000);
    t.mono += 5000;
    step = -3_600_000; // an hour's step back of the wall clock (NTP, an operator) changes nothing
    expect(clock.now()).toBe(database());
    expect(warnings).toEqual([expect.stringMatching(/this machine's clock is 90\.0 s ahead of the database's/)]);
  });

  it('uses the reading with the shortest round trip of the last few, so one slow answer does not shift it', async () => {
    const t = { mono: 0 };
    const database = () => 1_700_000_000_000 + t.mono;
    // A slow answer read late: the database answered at the start of a 400 ms round trip.
    const rtts = [2, 400];
    let asked = 0;
    const pool = {
      async query() {
        const rtt = rtts[Math.min(asked++, 1)]!;
        const now = database();
        t.mono += rtt;
        return { rows: [{ now: String(now) }] };
      },
    } as unknown as pg.Pool;
    const clock = databaseClock({ pool, log: recordingLog().log, monotonic: () => t.mono, wall: () => database(), everyMs: 10 });
    await clock.start();
    cleanups.push(async () => clock.stop());
    await new Promise((r) => setTimeout(r, 30)); // the second, slow reading
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(Math.abs(clock.now() - database())).toBeLessThanOrEqual(1);
  });

  it("keeps trying until the database answers, with this machine's time meanwhile", async () => {
    const t = { mono: 0 };
    let reachable = false;
    let asked = 0;
    const pool = {
      async query() {
        asked++;
        if (!reachable) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return { rows: [{ now: '1700000000000' }] };
      },
    } as unknown as pg.Pool;
    const clock = databaseClock({ pool, log: recordingLog().log, monotonic: () => t.mono, wall: () => 42, untilFirstMs: 5, everyMs: 60_000 });
    await clock.start();
    cleanups.push(async () => clock.stop());
    expect(clock.now()).toBe(42);
    expect(clock.offsetMs()).toBe(0);
    reachable = true;
    for (let i = 0; i < 100 && clock.now() === 42; i++) await new Promise((r) => setTimeout(r, 5));
    expect(clock.now()).toBe(1_700_000_000_000);
    const settled = asked;
    await new Promise((r) => setTimeout(r, 30));
    expect(asked).toBe(settled); // then only every everyMs
  });

  it('reads the real database clock: on one machine, the same time as the wall clock; a skewed machine is told so', async () => {
    const db = await freshDatabase();
    cleanups.push(db.drop);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    // pg-pool's end() resolves before its client's connection has closed, so the drop's FORCE can
    // still terminate it (57P01); unheard, the pool's 'error' would be an uncaught exception.
    pool.on('error', () => {});
    cleanups.push(() => pool.end());
    const { log, warnings } = recordingLog();
    const skewed = databaseClock({ pool, log, wall: () => Date.now() - 45_000 });
    await skewed.start();
    cleanups.push(async () => skewed.stop());
    expect(Math.abs(skewed.now() - Date.now())).toBeLessThan(100); // the server runs on this machine's clock
    expect(warnings).toEqual([expect.stringMatching(/this machine's clock is 45\.\d s behind the database's/)]);
  });
});

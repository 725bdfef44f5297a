// One clock for every instance on a shared PostgreSQL database: the database's own. Each instance
// stamps the events it stores, and the sender compares those stamps with its "now" to decide what
// is due and how many sends of the last minute count against Feishu's limits. With each machine's
// clock, a replica running 30 s ahead delayed its cards by 30 s, and a sender whose predecessor ran
// a minute behind took that predecessor's last minute of sends for older and sent past the limit.
//
// Every instance reads the database's clock now and then, and keeps time between reads on its own
// monotonic clock (so a step of the machine's wall clock changes nothing either). The read with the
// shortest round trip of the last few is the one used: its answer is the least uncertain.
import type pg from 'pg';
import type { Logger } from '../log.js';

/** The database's clock in epoch ms, as SQL. `clock_timestamp()`, not `now()`: not frozen at a transaction's start. */
export const DATABASE_NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** One read of the database's clock: sent and answered on this process's monotonic clock (ms). */
export interface ClockReading {
  sentAt: number;
  answeredAt: number;
  databaseMs: number;
}

/** The reading to trust among recent ones: the shortest round trip, and of equals the latest. */
export function bestReading(readings: readonly ClockReading[]): ClockReading | undefined {
  let best: ClockReading | undefined;
  for (const r of readings) if (!best || r.answeredAt - r.sentAt <= best.answeredAt - best.sentAt) best = r;
  return best;
}

/** The database's time at monotonic instant `at`, from a reading: the answer was read half-way through its round trip. */
export function databaseTimeAt(reading: ClockReading, at: number): number {
  return Math.round(reading.databaseMs + (at - (reading.sentAt + reading.answeredAt) / 2));
}

export interface DatabaseClockOptions {
  pool: Pick<pg.Pool, 'query'>;
  log: Logger;
  /** How often the database's clock is read once one reading succeeded. */
  everyMs?: number;
  /** How often it is tried until then (the database may be unreachable at start). */
  untilFirstMs?: number;
  /** Readings kept; the best of them is used. */
  keep?: number;
  /** A machine clock further than this from the database's is logged. */
  warnBeyondMs?: number;
  monotonic?: () => number;
  wall?: () => number;
}

export function databaseClock(options: DatabaseClockOptions) {
  const { pool, log, everyMs = 10_000, untilFirstMs = 250, keep = 6, warnBeyondMs = 1000 } = options;
  const monotonic = options.monotonic ?? (() => performance.now());
  const wall = options.wall ?? Date.now;
  const readings: ClockReading[] = [];
  let best: ClockReading | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let warned = false;
  let firstRead!: () => void;
  const firstReading = new Promise<void>((resolve) => (firstRead = resolve));

  /** The database's time now; this machine's own until the first reading (nothing is stored before the store is ready). */
  const now = (): number => (best ? databaseTimeAt(best, monotonic()) : wall());
  /** The database's time minus this machine's, ms (0 before the first reading). */
  const offsetMs = (): number => (best ? now() - wall() : 0);

  async function read(): Promise<void> {
    const sentAt = monotonic();
    try {
      const { rows } = await pool.query<{ now: string | number }>(`SELECT ${DATABASE_NOW_MS} AS now`);
      const reading = { sentAt, answeredAt: monotonic(), databaseMs: Number(rows[0]!.now) };
      readings.push(reading);
      if (readings.length > keep) readings.shift();
      best = bestReading(readings);
      firstRead();
      const offset = offsetMs();
      if (Math.abs(offset) > warnBeyondMs && !warned) {
        warned = true;
        log.warn(`this machine's clock is ${(Math.abs(offset) / 1000).toFixed(1)} s ${offset > 0 ? 'behind' : 'ahead of'} the database's; the bot keeps time by the database's clock, but check NTP on this machine`, {
          offsetMs: offset,
        });
      }
    } catch (error) {
      log.debug('could not read the database clock', { error: (error as Error).message });
    }
  }

  const loop = async () => {
    await read();
    if (stopped) return;
    timer = setTimeout(loop, best ? everyMs : untilFirstMs);
    timer.unref();
  };

  return {
    now,
    /** Resolves once the database's clock has been read (never rejects: it waits for the database). */
    firstReading,
    offsetMs,
    /** Reads the clock once now (so that the first events are stamped on it) and then every `everyMs`. */
    async start(): Promise<void> {
      await loop();
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export type DatabaseClock = ReturnType<typeof databaseClock>;

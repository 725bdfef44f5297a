// One bot per SQLite file. Two bots on one file would both work the outbox: the rate limits
// (per app) would be kept by neither, and a delivery could go out twice under different clocks.
//
// The lock is a write lock SQLite takes on a small side file (`<database>-lock`) and holds for the
// bot's lifetime: the kernel drops it when the process ends, however it ends, so a crashed bot
// leaves nothing that blocks the next start. The holder's pid is written to the same file before
// the lock is taken, so that a refused start can say who holds it.
import Database from 'better-sqlite3';
import { hostname } from 'node:os';

export interface InstanceHolder {
  pid: number;
  host: string;
  startedAt: string;
}

export class InstanceLockError extends Error {
  constructor(
    readonly databasePath: string,
    readonly holder: InstanceHolder | undefined,
  ) {
    const who = holder ? `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}` : 'a process that could not be identified';
    super(
      `another instance of the bot (${who}) is running on the database ${databasePath}. ` +
        'Run one bot per SQLite file: stop the other one first, or give this one its own DATABASE_URL.',
    );
  }
}

export interface InstanceLock {
  readonly lockPath: string;
  release(): void;
}

const busy = (error: unknown) => (error as { code?: string }).code?.startsWith('SQLITE_BUSY') ?? false;

/** Takes the instance lock of `databasePath`, or throws InstanceLockError naming the holder. */
export function acquireInstanceLock(databasePath: string): InstanceLock {
  const lockPath = `${databasePath}-lock`;
  // No busy wait: a held lock means another bot, and waiting for it would only delay the refusal.
  const db = new Database(lockPath, { timeout: 0 });
  const holder = (): InstanceHolder | undefined => {
    try {
      return db.prepare('SELECT pid, host, started_at AS startedAt FROM holder').get() as InstanceHolder | undefined;
    } catch {
      return undefined;
    }
  };
  try {
    db.pragma('journal_mode = DELETE');
    // Say who we are (committed, so a refused process can read it), then take the lock for good.
    db.exec('BEGIN IMMEDIATE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, host TEXT NOT NULL, started_at TEXT NOT NULL)');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder VALUES (?, ?, ?)').run(process.pid, hostname(), new Date().toISOString());
    db.exec('COMMIT');
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    if (!busy(error)) {
      db.close();
      throw error;
    }
    const found = holder();
    db.close();
    throw new InstanceLockError(databasePath, found);
  }
  let released = false;
  return {
    lockPath,
    release() {
      if (released) return;
      released = true;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

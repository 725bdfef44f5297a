// Durability without blocking the event loop. The database runs with synchronous=NORMAL, so a
// commit only writes its WAL frames; durable() then fdatasyncs the WAL file on libuv's thread
// pool — what synchronous=FULL does inside the commit, on the main thread. Everything committed
// before durable() was called is on disk when its promise resolves. Calls made while a sync runs
// share the next one, so under load one fdatasync covers many commits (group commit on the disk).
import { closeSync, fdatasync, fstatSync, fsyncSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export interface WalSync {
  durable(): Promise<void>;
  close(): void;
}

export function walSync(walPath: string, sync: (fd: number, done: (error: Error | null) => void) => void = fdatasync): WalSync {
  let fd: number | undefined;
  let inode: number | undefined;
  let inFlight: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  /** The open WAL, reopened if SQLite replaced the file; undefined if there is none. */
  function walFd(): number | undefined {
    let current: number;
    try {
      current = statSync(walPath).ino;
    } catch {
      // No WAL: SQLite checkpointed and removed it, which syncs the database file first.
      return undefined;
    }
    if (fd !== undefined && inode === current) return fd;
    if (fd !== undefined) closeSync(fd);
    fd = openSync(walPath, 'r');
    inode = fstatSync(fd).ino;
    // The WAL's directory entry must be durable too, once per file.
    const dir = openSync(dirname(walPath), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return fd;
  }

  function runSync(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const target = walFd();
      if (target === undefined) return resolve();
      sync(target, (error) => (error ? reject(error) : resolve()));
    }).finally(() => {
      inFlight = undefined;
    });
  }

  return {
    durable() {
      if (!inFlight) return (inFlight = runSync());
      // The running sync may have started before the caller's commit: wait for the next one.
      queued ??= inFlight
        .catch(() => undefined)
        .then(() => {
          queued = undefined;
          return (inFlight ??= runSync());
        });
      return queued;
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

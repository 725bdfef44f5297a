// Durability off the event loop: the WAL is fdatasynced on the thread pool, and syncs coalesce.
import { fstatSync, mkdtempSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { walSync } from '../../src/store/wal-sync.js';

const dir = () => mkdtempSync(join(tmpdir(), 'wal-sync-'));

/** A sync the test finishes by hand, recording which file each call was for. */
function manualSync() {
  const calls: Array<{ inode: number; finish: (error?: Error) => void }> = [];
  const sync = (fd: number, done: (error: Error | null) => void) => calls.push({ inode: fstatSync(fd).ino, finish: (error) => done(error ?? null) });
  return { calls, sync };
}

/** A WAL file with frames in it, and a syncer for it whose syncs the test finishes. */
function walWithFrames() {
  const wal = join(dir(), 'db-wal');
  writeFileSync(wal, 'frames');
  const { calls, sync } = manualSync();
  return { wal, calls, syncer: walSync(wal, sync) };
}

const settled = async (promise: Promise<unknown>) => {
  let state = 'pending';
  promise.then(() => (state = 'resolved'), () => (state = 'rejected'));
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('WAL sync', () => {
  it('syncs the WAL file itself', async () => {
    const { wal, calls, syncer } = walWithFrames();
    const durable = syncer.durable();
    expect(calls.map((c) => c.inode)).toEqual([statSync(wal).ino]);
    calls[0]!.finish();
    await durable;
  });

  it('makes callers that arrive during a sync wait for one more sync, shared by all of them', async () => {
    const { calls, syncer } = walWithFrames();
    const first = syncer.durable();
    const later = [syncer.durable(), syncer.durable(), syncer.durable()];
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    await first;
    expect(await settled(Promise.all(later))).toBe('pending'); // the first sync may predate their commits
    expect(calls).toHaveLength(2);
    calls[1]!.finish();
    await Promise.all(later);
    expect(calls).toHaveLength(2);
  });

  it('fails the callers of a failed sync, and the next call syncs again', async () => {
    const { calls, syncer } = walWithFrames();
    const failing = syncer.durable();
    calls[0]!.finish(new Error('EIO'));
    await expect(failing).rejects.toThrow('EIO');
    const next = syncer.durable();
    calls[1]!.finish();
    await expect(next).resolves.toBeUndefined();
  });

  it('follows SQLite when the WAL file is replaced, and has nothing to sync when there is none', async () => {
    const d = dir();
    const wal = join(d, 'db-wal');
    const { calls, sync } = manualSync();
    const syncer = walSync(wal, sync);
    await syncer.durable();
    expect(calls).toHaveLength(0);
    writeFileSync(wal, 'old');
    const before = syncer.durable();
    calls[0]!.finish();
    await before;
    writeFileSync(join(d, 'new'), 'new');
    renameSync(join(d, 'new'), wal);
    const after = syncer.durable();
    expect(calls[1]!.inode).toBe(statSync(wal).ino);
    expect(calls[1]!.inode).not.toBe(calls[0]!.inode);
    calls[1]!.finish();
    await after;
  });

  it('is how the store makes its commits durable', async () => {
    const path = join(dir(), 'bot.sqlite');
    const { calls, sync } = manualSync();
    const store = openSqliteStore(path, { syncWal: sync });
    await store.recordEvent({ eventId: 'e1', eventType: 'shift_approval', status: 'ignored', receivedAt: 1 }, []);
    expect(calls).toHaveLength(0); // nothing is synced until asked
    const durable = store.durable();
    expect(calls.map((c) => c.inode)).toEqual([statSync(`${path}-wal`).ino]);
    calls[0]!.finish();
    await durable;
    await store.close();
  });
});

// Group commit: events are stored several to a transaction (one round trip on PostgreSQL), then
// wait together until it is on disk (store.durable, whose fsyncs also coalesce across batches).
// Each caller learns its own result only then, and a failed commit or sync fails every event of
// its batch (none is acknowledged).
//
// One transaction at a time: the events that arrive while one is being written make up the next.
// Under load the batches grow with the load by themselves, and a shared PostgreSQL pays its
// per-transaction cost (~330 µs of CPU, a WAL flush) once for many events; when idle, an event is
// written at once, as before. A transaction that has not answered within `stallMs` (a hung
// connection, a lock) no longer holds the next one back: that one goes on another connection.
import type { NewDelivery, NewEvent, RecordResult, Store } from '../store/store.js';

interface Waiting {
  event: NewEvent;
  deliveries: readonly NewDelivery[];
  resolve: (result: RecordResult) => void;
  reject: (error: unknown) => void;
}

/** Larger batches add latency for little gain: one transaction already covers hundreds of rows. */
const MAX_BATCH = 512;

export interface GroupCommitOptions {
  /** How long a transaction may run before the next batch stops waiting for it. */
  stallMs?: number;
}

export const GROUP_COMMIT_STALL_MS = 250;

export function groupCommit(store: Pick<Store, 'recordEvents' | 'durable'>, options: GroupCommitOptions = {}) {
  const stallMs = options.stallMs ?? GROUP_COMMIT_STALL_MS;
  let queue: Waiting[] = [];
  let scheduled = false;
  /** A transaction is being written and the next batch waits for it (no longer once it stalls). */
  let holding = false;

  function flush(): void {
    scheduled = false;
    if (holding || queue.length === 0) return;
    const batch = queue.splice(0, MAX_BATCH);
    holding = true;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      holding = false;
      clearTimeout(stall);
      if (queue.length > 0) schedule();
    };
    // Not unref'd: events are waiting on this transaction, so the process has work to finish.
    const stall = setTimeout(release, stallMs);
    Promise.resolve()
      .then(() => store.recordEvents(batch))
      .finally(release)
      .then(async (results) => {
        await store.durable();
        return results;
      })
      .then(
        (results) => batch.forEach((waiting, i) => waiting.resolve(results[i]!)),
        (error) => batch.forEach((waiting) => waiting.reject(error)),
      );
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  return function record(event: NewEvent, deliveries: readonly NewDelivery[]): Promise<RecordResult> {
    return new Promise((resolve, reject) => {
      queue.push({ event, deliveries, resolve, reject });
      schedule();
    });
  };
}

// Group commit: events that arrive in the same turn of the event loop are stored in one
// transaction (one round trip on PostgreSQL), then wait together until it is on disk (store.durable, whose fsyncs also coalesce
// across batches). Each caller learns its own result only then, and a failed commit or sync
// fails every event of its batch (none is acknowledged).
import type { NewDelivery, NewEvent, RecordResult, Store } from '../store/store.js';

interface Waiting {
  event: NewEvent;
  deliveries: readonly NewDelivery[];
  resolve: (result: RecordResult) => void;
  reject: (error: unknown) => void;
}

/** Larger batches add latency for little gain: one transaction already covers hundreds of rows. */
const MAX_BATCH = 512;

export function groupCommit(store: Pick<Store, 'recordEvents' | 'durable'>) {
  let queue: Waiting[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const batch = queue.splice(0, MAX_BATCH);
    if (queue.length > 0) schedule();
    if (batch.length === 0) return;
    store
      .recordEvents(batch)
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

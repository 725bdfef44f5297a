// Sends the outbox: picks due deliveries, renders their cards, sends them with their uuid, and
// records the result. Runs in the background; the webhook only wakes it.
import type { CardMessage, MessageSender } from '../feishu/client.js';
import type { Logger } from '../log.js';
import type { Delivery, Store } from '../store/store.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { decide } from './errors.js';

export interface WorkerOptions {
  /** Sends in flight at once. */
  concurrency: number;
  /** Longest sleep between looks at the outbox. */
  pollMs: number;
  backoff: BackoffOptions;
  /** After this long since the event arrived, a failing delivery is given up. */
  horizonMs: number;
  now: () => number;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  concurrency: 10,
  pollMs: 1000,
  backoff: { baseMs: 1000, maxMs: 5 * 60_000 },
  horizonMs: 24 * 60 * 60_000,
  now: Date.now,
};

export interface WorkerDeps {
  store: Store;
  sender: MessageSender;
  /** The card content for a delivery; throws when it cannot be built. */
  render: (delivery: Delivery) => string;
  log: Logger;
  options?: Partial<WorkerOptions>;
}

export function createDeliveryWorker(deps: WorkerDeps) {
  const options = { ...DEFAULT_WORKER_OPTIONS, ...deps.options };
  const { store, sender, log } = deps;
  const inFlight = new Map<number, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  function schedule(): void {
    if (!running) return;
    clearTimeout(timer);
    const next = store.nextDueAt();
    const wait = next === undefined ? options.pollMs : Math.max(0, Math.min(options.pollMs, next - options.now()));
    timer = setTimeout(pump, wait);
    timer.unref?.();
  }

  function pump(): void {
    if (!running) return;
    try {
      const capacity = options.concurrency - inFlight.size;
      if (capacity > 0) {
        for (const delivery of store.dueDeliveries(options.now(), capacity, new Set(inFlight.keys()))) {
          const job = deliver(delivery).finally(() => {
            inFlight.delete(delivery.id);
            pump();
          });
          inFlight.set(delivery.id, job);
        }
      }
    } catch (error) {
      log.error('outbox could not be read', { error });
    }
    schedule();
  }

  async function deliver(delivery: Delivery): Promise<void> {
    const fields = { deliveryId: delivery.id, eventId: delivery.eventId, audience: delivery.audience, receiveIdType: delivery.receiveIdType };
    let content: string;
    try {
      content = deps.render(delivery);
    } catch (error) {
      const reason = `card could not be rendered: ${(error as Error).message}`;
      store.markDead(delivery.id, reason, options.now());
      log.error('delivery dead', { ...fields, reason });
      return;
    }
    const message: CardMessage = { receiveIdType: delivery.receiveIdType, receiveId: delivery.receiveId, content, uuid: delivery.uuid };
    const result = await sender.sendCard(message);
    const now = options.now();
    if (result.ok) {
      store.markSent(delivery.id, result.messageId, now);
      log.info('delivery sent', { ...fields, attempt: delivery.attempts + 1, messageId: result.messageId });
      return;
    }
    const decision = decide(result);
    if (decision.action === 'dead') {
      store.markDead(delivery.id, decision.reason, now);
      log.error('delivery dead', { ...fields, reason: decision.reason });
      return;
    }
    if (now - delivery.createdAt >= options.horizonMs) {
      const reason = `gave up after ${Math.round(options.horizonMs / 60_000)} min: ${decision.reason}`;
      store.markDead(delivery.id, reason, now);
      log.error('delivery dead', { ...fields, reason });
      return;
    }
    let wait = backoffDelay(delivery.attempts, options.backoff);
    if (decision.action === 'refresh-token') {
      sender.invalidateToken();
      // One immediate retry with a fresh token; a second token failure in a row backs off.
      if (!delivery.lastError?.startsWith('token:')) wait = 0;
    } else if (decision.retryAfterMs !== undefined) {
      wait = Math.max(wait, decision.retryAfterMs);
    }
    const reason = decision.action === 'refresh-token' ? `token: ${decision.reason}` : decision.reason;
    store.markRetry(delivery.id, reason, now + wait, now);
    log.warn('delivery will be retried', { ...fields, attempt: delivery.attempts + 1, reason, retryInMs: wait });
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      pump();
    },
    /** Look at the outbox now (after new deliveries were stored). */
    kick(): void {
      if (running) setImmediate(pump);
    },
    /** Stops picking new work and waits up to `graceMs` for sends in flight. */
    async stop(graceMs = 10_000): Promise<void> {
      running = false;
      clearTimeout(timer);
      let expired: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight.values()]),
        new Promise((resolve) => (expired = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(expired);
    },
    inFlight: () => inFlight.size,
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;

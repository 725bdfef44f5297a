// Prometheus metrics (prom-client), one registry per bot so that several bots in one process
// (tests) keep their own counts.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CredentialState } from './feishu/credentials.js';
import type { Store } from './store/store.js';

export type EventOutcome = 'accepted' | 'duplicate' | 'rejected' | 'ignored' | 'refused';
export type DeliveryOutcome = 'sent' | 'retried' | 'dead';

/** How long the oldest waiting delivery has waited, in seconds (0 when none waits). */
export function oldestWaitingSeconds({ oldestPendingCreatedAt }: Awaited<ReturnType<Store['outboxStats']>>, now: number): number {
  return oldestPendingCreatedAt === undefined ? 0 : Math.max(0, (now - oldestPendingCreatedAt) / 1000);
}

export function createMetrics(store: Pick<Store, 'outboxStats'>, credentials?: () => CredentialState, now: () => number = Date.now) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const events = new Counter({
    name: 'approval_bot_events_total',
    help: 'Events received, by event type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'approval_bot_deliveries_total',
    help: 'Delivery attempts, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'approval_bot_delivery_latency_seconds',
    help: 'From receiving an event to sending its card',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  });
  const rateLimitWaits = new Counter({
    name: 'approval_bot_rate_limit_waits_total',
    help: 'Times Feishu said to wait (99991400 / 429 / 230020)',
    registers: [registry],
  });
  const tokenRefreshes = new Counter({
    name: 'approval_bot_token_refreshes_total',
    help: 'Tenant tokens dropped because Feishu called them invalid',
    registers: [registry],
  });
  const routed = new Counter({
    name: 'approval_bot_team_routing_total',
    help: 'Team-chat decisions made by looking the employee up, by outcome (routed, unmatched: DM only, blocked: a scope is missing)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const lookups = new Counter({
    name: 'approval_bot_directory_lookups_total',
    help: 'Calls to the chat-member, contact and attendance APIs for team routing and names, by API and result',
    labelNames: ['api', 'result'] as const,
    registers: [registry],
  });
  // One read of the outbox per scrape, shared by the three gauges that show it.
  let scrape: Promise<Awaited<ReturnType<Store['outboxStats']>>> | undefined;
  const outbox = () => {
    if (!scrape) {
      scrape = store.outboxStats();
      scrape.finally(() => setImmediate(() => (scrape = undefined))).catch(() => undefined);
    }
    return scrape;
  };
  new Gauge({
    name: 'approval_bot_outbox_depth',
    help: 'Deliveries waiting to be sent',
    registers: [registry],
    async collect() {
      this.set((await outbox()).pending);
    },
  });
  new Gauge({
    name: 'approval_bot_dead_deliveries',
    help: 'Deliveries given up, waiting for an operator',
    registers: [registry],
    async collect() {
      this.set((await outbox()).dead);
    },
  });
  new Gauge({
    name: 'approval_bot_oldest_waiting_delivery_seconds',
    help: 'Age of the oldest delivery waiting to be sent (0 when none waits)',
    registers: [registry],
    async collect() {
      this.set(oldestWaitingSeconds(await outbox(), now()));
    },
  });
  if (credentials) {
    new Gauge({
      name: 'approval_bot_credentials_rejected',
      help: '1 while Feishu rejects FEISHU_APP_ID / FEISHU_APP_SECRET',
      registers: [registry],
      collect() {
        this.set(credentials().state === 'rejected' ? 1 : 0);
      },
    });
  }
  return {
    registry,
    event: (type: string, outcome: EventOutcome) => events.inc({ type: type.slice(0, 80), outcome }),
    delivery: (outcome: DeliveryOutcome) => deliveries.inc({ outcome }),
    sentAfter: (seconds: number) => latency.observe(seconds),
    rateLimitWait: () => rateLimitWaits.inc(),
    tokenRefresh: () => tokenRefreshes.inc(),
    teamRouting: (outcome: 'routed' | 'unmatched' | 'blocked') => routed.inc({ outcome }),
    directoryLookup: (api: string, result: 'ok' | 'permission' | 'not-found' | 'retry') => lookups.inc({ api, result }),
    /** Shows whether this instance is the one that sends (one per database). */
    sender(isSender: () => boolean) {
      new Gauge({
        name: 'approval_bot_sender',
        help: '1 on the instance that runs the delivery worker (on PostgreSQL, the holder of the sender lease), else 0',
        registers: [registry],
        collect() {
          this.set(isSender() ? 1 : 0);
        },
      });
    },
    /** Shows how far this machine's clock is from the database's (PostgreSQL: the clock the instances keep). */
    clockOffset(offsetMs: () => number) {
      new Gauge({
        name: 'approval_bot_clock_offset_seconds',
        help: "The database's clock minus this machine's (positive: this machine is behind); alert when it is large, NTP is off",
        registers: [registry],
        collect() {
          this.set(offsetMs() / 1000);
        },
      });
    },
    /** PostgreSQL: this replica's connection pool, for sizing DATABASE_POOL_SIZE against the server's max_connections. */
    databasePool(pool: () => { total: number; idle: number; waiting: number; max: number }) {
      new Gauge({
        name: 'approval_bot_database_connections',
        help: "This replica's open connections to PostgreSQL, by state (busy: running a statement or a transaction)",
        labelNames: ['state'] as const,
        registers: [registry],
        collect() {
          const now = pool();
          this.set({ state: 'idle' }, now.idle);
          this.set({ state: 'busy' }, now.total - now.idle);
        },
      });
      new Gauge({
        name: 'approval_bot_database_connections_max',
        help: 'DATABASE_POOL_SIZE: the most connections this replica opens',
        registers: [registry],
        collect() {
          this.set(pool().max);
        },
      });
      new Gauge({
        name: 'approval_bot_database_connection_waiters',
        help: 'Operations waiting for a free connection (all busy); often above 0: raise DATABASE_POOL_SIZE',
        registers: [registry],
        collect() {
          this.set(pool().waiting);
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

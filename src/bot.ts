// The composition root: config → store → Open Platform client → worker → ingest → HTTP server.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { loadTemplates } from './cards/templates.js';
import type { Config } from './config.js';
import { cardContents } from './delivery/card-content.js';
import { createDeliveryWorker, type WorkerOptions } from './delivery/worker.js';
import { createFeishuClient } from './feishu/client.js';
import { createIngest } from './ingest/ingest.js';
import type { Logger } from './log.js';
import { httpApp, type Check } from './receivers/http-app.js';
import { startLongConnection, type LongConnection } from './receivers/long-connection.js';
import { webhookRoutes } from './receivers/webhook.js';
import { createMetrics } from './metrics.js';
import { openSqliteStore } from './store/sqlite.js';
import { employeeZones } from './zones/employee-zones.js';
import type { Store } from './store/store.js';

/** Events are remembered for dedupe at least this long (Feishu retries for ~7 h). */
export const RETENTION_MS = 7 * 24 * 60 * 60_000;
const PURGE_EVERY_MS = 60 * 60_000;
/** /readyz fails when a delivery has waited longer than this. */
const OUTBOX_MAX_AGE_SECONDS = 300;

export interface BotOptions {
  config: Config;
  log: Logger;
  /** Host to listen on; all interfaces by default. */
  hostname?: string;
  worker?: Partial<WorkerOptions>;
  /** An already open store instead of DATABASE_URL's (tests inject storage faults this way). */
  store?: Store;
}

export async function startBot({ config, log, hostname, worker: workerOptions, store: givenStore }: BotOptions) {
  const templates = loadTemplates(config.templatesDir);
  const store = givenStore ?? openSqliteStore(config.databasePath);
  const metrics = createMetrics(store);
  const { delivery } = config;
  const sender = createFeishuClient({
    appId: config.appId,
    appSecret: config.appSecret,
    baseUrl: config.openPlatformUrl,
    timeoutMs: delivery.timeoutMs,
    log,
  });
  const worker = createDeliveryWorker({
    store,
    sender,
    log,
    metrics,
    cards: cardContents({
      templates,
      builderTemplates: config.builderTemplates,
      zones: employeeZones({
        overrides: config.timeZoneOverrides,
        defaultZone: config.timezone,
        attendance: config.attendanceZones ? sender : undefined,
        log,
      }),
      teamZone: config.timezone,
      brand: config.brand,
      store,
    }),
    options: {
      concurrency: delivery.concurrency,
      horizonMs: delivery.horizonMs,
      limits: delivery.limits,
      digestThreshold: delivery.digestThreshold,
      ...workerOptions,
    },
  });
  const ingest = createIngest({ store, routing: config.routing, log, metrics, onAccepted: worker.kick });
  const webhook =
    config.eventMode === 'ws'
      ? undefined
      : webhookRoutes({
          security: { appId: config.appId, encryptKey: config.encryptKey, verificationToken: config.verificationToken },
          ingest,
          log,
          metrics,
        });
  let longConnection: LongConnection | undefined;
  const readiness = (): Record<string, Check> => {
    const checks: Record<string, Check> = {};
    try {
      store.checkWritable();
      checks.database = { ok: true };
    } catch (error) {
      checks.database = { ok: false, reason: `not writable: ${(error as Error).message}` };
    }
    if (longConnection) {
      const state = longConnection.state();
      checks.longConnection = state === 'connected' ? { ok: true, state } : { ok: false, state, reason: `long connection ${state}` };
    }
    try {
      const { oldestPendingCreatedAt } = store.outboxStats();
      const ageSeconds = oldestPendingCreatedAt === undefined ? 0 : Math.round((Date.now() - oldestPendingCreatedAt) / 1000);
      checks.outbox =
        ageSeconds < OUTBOX_MAX_AGE_SECONDS
          ? { ok: true, oldestWaitingSeconds: ageSeconds }
          : { ok: false, oldestWaitingSeconds: ageSeconds, reason: `a delivery has waited over ${OUTBOX_MAX_AGE_SECONDS / 60} minutes` };
    } catch (error) {
      checks.outbox = { ok: false, reason: (error as Error).message };
    }
    return checks;
  };
  const app = httpApp({ webhook, readiness, log, metrics: { registry: metrics.registry, token: config.metricsToken } });

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  worker.start();
  if (config.eventMode !== 'webhook') {
    longConnection = startLongConnection({
      appId: config.appId,
      appSecret: config.appSecret,
      baseUrl: config.openPlatformUrl,
      pingTimeoutSeconds: config.wsPingTimeoutSeconds,
      ingest,
      log,
      metrics,
    });
  }

  const purge = () => {
    try {
      const purged = store.purgeBefore(Date.now() - RETENTION_MS);
      if (purged > 0) log.info('old events purged', { purged });
    } catch (error) {
      log.error('purge failed', { error });
    }
  };
  const purgeTimer = setInterval(purge, PURGE_EVERY_MS);
  purgeTimer.unref();

  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `http://${hostname && hostname !== '0.0.0.0' ? hostname : '127.0.0.1'}:${port}`,
    app,
    store,
    worker,
    ingest,
    longConnection: () => longConnection,
    metrics,
    /** Stops taking requests, lets sends in flight finish (up to graceMs), closes the database. */
    stop(graceMs = 10_000): Promise<void> {
      stopping ??= (async () => {
        clearInterval(purgeTimer);
        longConnection?.close();
        const http = server as ServerType & { closeIdleConnections(): void; closeAllConnections(): void };
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive connections go idle after their request; close them as they do, not after the keep-alive timeout.
        const closeIdle = setInterval(() => http.closeIdleConnections(), 50);
        http.closeIdleConnections();
        const deadline = Date.now() + graceMs;
        await worker.stop(graceMs);
        const cutOff = setTimeout(() => http.closeAllConnections(), Math.max(0, deadline - Date.now()));
        await closed;
        clearInterval(closeIdle);
        clearTimeout(cutOff);
        store.close();
      })();
      return stopping;
    },
  };
}

export type Bot = Awaited<ReturnType<typeof startBot>>;

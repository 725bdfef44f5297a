// The composition root: config → store → Open Platform client → worker → ingest → HTTP server.
import { serve, type ServerType } from '@hono/node-server';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { loadTemplates } from './cards/templates.js';
import type { Config } from './config.js';
import { cardContents } from './delivery/card-content.js';
import { createDeliveryWorker, type WorkerOptions } from './delivery/worker.js';
import { createFeishuClient } from './feishu/client.js';
import { describeRefusal } from './feishu/credentials.js';
import { startupSummary } from './startup-summary.js';
import { createIngest } from './ingest/ingest.js';
import type { Logger } from './log.js';
import { httpApp, type Check } from './receivers/http-app.js';
import { startLongConnection, type LongConnection } from './receivers/long-connection.js';
import { webhookRoutes } from './receivers/webhook.js';
import { createMetrics, oldestWaitingSeconds } from './metrics.js';
import { acquireInstanceLock, type InstanceLock } from './store/instance-lock.js';
import { openPostgresStore, type PostgresStore } from './store/postgres.js';
import { retention, type RetentionOptions } from './store/retention.js';
import { senderLease, type SenderLease } from './store/sender-lease.js';
import { openSqliteStore } from './store/sqlite.js';
import { employeeZones } from './zones/employee-zones.js';
import type { Store } from './store/store.js';
import { directoryCache } from './teams/directory-cache.js';
import { checkRoutingIds } from './teams/routing-check.js';
import { membershipFeed } from './teams/membership-feed.js';
import { teamRouter } from './teams/team-router.js';

/** How often rejected (or unverifiable) credentials are tried again. */
const CREDENTIAL_RETRY_MS = 60_000;
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
/** How long stop() lets sends in flight finish; deploy/'s TimeoutStopSec and compose.yaml's stop_grace_period must exceed it. */
export const STOP_GRACE_MS = 10_000;

export interface BotOptions {
  config: Config;
  log: Logger;
  /** Host to listen on; all interfaces by default. */
  hostname?: string;
  worker?: Partial<WorkerOptions>;
  /** When old events are purged (tests shorten it). */
  retention?: Partial<RetentionOptions>;
  /** An already open store instead of DATABASE_URL's (tests inject storage faults this way). */
  store?: Store;
  /** How often rejected credentials are tried again (tests shorten it). */
  credentialRetryMs?: number;
}

export async function startBot({ config, log, hostname, worker: workerOptions, retention: retentionOptions, store: givenStore, credentialRetryMs = CREDENTIAL_RETRY_MS }: BotOptions) {
  const templates = loadTemplates(config.templatesDir);
  const { database } = config;
  // One bot per SQLite file, checked before the file is touched (migrations included).
  let lock: InstanceLock | undefined;
  if (!givenStore && database.engine === 'sqlite' && database.path !== ':memory:') {
    mkdirSync(dirname(database.path), { recursive: true });
    lock = acquireInstanceLock(database.path);
  }
  let store: Store;
  let postgres: PostgresStore | undefined;
  try {
    if (givenStore) store = givenStore;
    else if (database.engine === 'postgres') {
      // Several instances share it. Unreachable now: it keeps trying while the bot serves 503s.
      store = postgres = openPostgresStore(database.url, { log, poolSize: config.databasePoolSize, applicationName: `feishu-approval-bot ${config.instanceId}` });
      await postgres.started;
    } else store = openSqliteStore(database.path);
  } catch (error) {
    lock?.release();
    await postgres?.close();
    throw error;
  }
  // Instances sharing a database stamp and compare times on its clock, not on their machines'.
  const now = postgres?.clock.now ?? Date.now;
  const { delivery } = config;
  const sender = createFeishuClient({
    appId: config.appId,
    appSecret: config.appSecret,
    baseUrl: config.openPlatformUrl,
    timeoutMs: delivery.timeoutMs,
    log,
    onTokenDropped: () => metrics.tokenRefresh(),
    onCredentials(now, before) {
      if (now.state === 'rejected') log.error(describeRefusal(now.code, now.message), { code: now.code });
      else if (now.state === 'accepted' && before.state !== 'unchecked') log.info('Feishu accepts the app credentials now', { before: before.state });
      else if (now.state === 'unreachable') log.warn('could not reach Feishu to get a tenant token; retrying', { reason: now.message });
    },
  });
  const metrics = createMetrics(store, () => sender.credentials(), now);
  const directory = directoryCache({
    api: sender,
    membersTtlMs: config.directoryTtl.membersMs,
    orgTtlMs: config.directoryTtl.orgMs,
    onLookup: metrics.directoryLookup,
  });
  const membership = membershipFeed({ store, invalidate: (chatId) => directory.invalidateChat(chatId), now });
  const teams = teamRouter({ routing: config.routing, directory, teamZone: config.timezone, log, metrics });
  const worker = createDeliveryWorker({
    teams,
    membership,
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
      names: teams,
    }),
    options: {
      concurrency: delivery.concurrency,
      horizonMs: delivery.horizonMs,
      limits: delivery.limits,
      digestThreshold: delivery.digestThreshold,
      now,
      ...workerOptions,
    },
  });
  const ingest = createIngest({
    store,
    routing: config.routing,
    log,
    metrics,
    now,
    onAccepted: worker.kick,
    onChatMembership: (chatId, eventId) => membership.changed(chatId, eventId),
  });
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
  const readiness = async (): Promise<Record<string, Check>> => {
    const checks: Record<string, Check> = {};
    // Both asked at once: on a database gone silent each waits out its probe limit.
    const [writable, outbox] = await Promise.allSettled([store.checkWritable(), store.outboxStats()]);
    checks.database = writable.status === 'fulfilled' ? { ok: true } : { ok: false, reason: `not writable: ${(writable.reason as Error).message}` };
    if (longConnection) {
      const state = longConnection.state();
      checks.longConnection = state === 'connected' ? { ok: true, state } : { ok: false, state, reason: `long connection ${state}` };
    }
    const credentials = sender.credentials();
    // Which instance sends (only one does on a shared PostgreSQL database): shown, never failing.
    checks.sender = lease
      ? { ok: true, instance: config.instanceId, sending: lease.isSender(), sender: lease.sender() ?? 'unknown yet', ...(lease.problem() ? { problem: lease.problem() } : {}) }
      : { ok: true, instance: config.instanceId, sending: true };
    checks.credentials =
      credentials.state === 'rejected'
        ? { ok: false, state: credentials.state, reason: 'credentials rejected', code: credentials.code, detail: credentials.message }
        : { ok: true, state: credentials.state };
    // The clock the instances keep: this machine's distance from it, for NTP trouble (never failing).
    if (postgres) checks.clock = { ok: true, offsetSeconds: Math.round(postgres.clock.offsetMs() / 100) / 10 };
    // Delivery lag is reported, not a reason to refuse events: a slow or failing IM API must not
    // take the webhook out of service too. Alert on it (see the README), don't route on it.
    checks.outbox =
      outbox.status === 'fulfilled'
        ? { ok: true, pending: outbox.value.pending, dead: outbox.value.dead, oldestWaitingSeconds: Math.round(oldestWaitingSeconds(outbox.value, now())) }
        : { ok: true, reason: `unknown: ${(outbox.reason as Error).message}` };
    return checks;
  };
  const app = httpApp({ webhook, readiness, log, metrics: { registry: metrics.registry, token: config.metricsToken } });

  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.port, hostname }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (error) {
    // Port taken: leave the database and its lock as if this bot had never started.
    if (!givenStore) await store.close();
    lock?.release();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  // The sending instance purges old events, so only one of several does.
  const purging = retention(store, now, log, retentionOptions);
  // On PostgreSQL the instance holding the sender lease sends; on SQLite this one does.
  let lease: SenderLease | undefined;
  if (postgres) {
    lease = senderLease({
      pool: postgres.pool,
      instanceId: config.instanceId,
      ttlMs: config.senderLeaseMs,
      log,
      // The sends of the last minute are counted on the database's clock: read it first.
      onAcquired: async () => {
        await postgres!.clock.firstReading;
        await worker.start();
        purging.start();
      },
      // Sending stops at once; a purge in flight may finish beside the next sender's.
      onLost: async () => {
        await Promise.all([worker.stop(STOP_GRACE_MS), purging.stop()]);
      },
    });
    metrics.sender(() => lease!.isSender());
    metrics.clockOffset(() => postgres!.clock.offsetMs());
    metrics.databasePool(() => {
      const pool = postgres!.pool;
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max };
    });
    lease.start();
  } else {
    metrics.sender(() => true);
    await worker.start();
    purging.start();
  }
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

  // The start-up check: one token fetch, so a wrong secret is an error now, not a day of failed
  // sends. Until Feishu accepts the credentials, try again now and then (a send's token fetch
  // also counts, both ways).
  let stopping: Promise<void> | undefined;
  let credentialTimer: NodeJS.Timeout | undefined;
  const checkCredentials = async () => {
    const { state } = await sender.checkCredentials();
    if (stopping || state === 'accepted') return;
    credentialTimer = setTimeout(checkCredentials, credentialRetryMs);
    credentialTimer.unref();
  };
  const credentialsChecked = checkCredentials();
  // Once Feishu answers, the ids routing depends on are checked (and the member cache filled).
  const routingChecked = credentialsChecked.then(async () => {
    if (sender.credentials().state !== 'accepted') return;
    try {
      for (const p of await checkRoutingIds(config.routing, sender, directory)) log.warn(`${p.setting}: ${p.id} ${p.problem}`, { id: p.id });
    } catch (error) {
      log.warn('routing ids could not be checked', { error });
    }
  });

  return {
    port,
    url: `http://${hostname && hostname !== '0.0.0.0' ? hostname : '127.0.0.1'}:${port}`,
    app,
    store,
    worker,
    ingest,
    longConnection: () => longConnection,
    metrics,
    /** Resolves once the start-up credential check has an answer. */
    credentialsChecked,
    /** Resolves once the routing ids of CONFIG_FILE and NOTIFY_CHAT_IDS were checked (when credentials were accepted). */
    routingChecked,
    directory,
    /** The start-up summary: what runs, where, with what — and the settings that look wrong. */
    summary: () => {
      const address = server.address() as AddressInfo;
      let templateFiles: string[] | undefined;
      if (config.templatesDir !== undefined) templateFiles = readdirSync(config.templatesDir).filter((f) => !f.startsWith('.'));
      return startupSummary({ version: VERSION, config, store: store.about(), listen: `${address.address}:${address.port}`, templateFiles });
    },
    /** Stops taking requests, lets sends in flight finish (up to graceMs), closes the database. */
    stop(graceMs = STOP_GRACE_MS): Promise<void> {
      stopping ??= (async () => {
        clearTimeout(credentialTimer);
        longConnection?.close();
        const http = server as ServerType & { closeIdleConnections(): void; closeAllConnections(): void };
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive connections go idle after their request; close them as they do, not after the keep-alive timeout.
        const closeIdle = setInterval(() => http.closeIdleConnections(), 50);
        http.closeIdleConnections();
        const deadline = Date.now() + graceMs;
        if (lease) await lease.stop();
        await Promise.all([worker.stop(graceMs), purging.stop()]);
        const cutOff = setTimeout(() => http.closeAllConnections(), Math.max(0, deadline - Date.now()));
        await closed;
        clearInterval(closeIdle);
        clearTimeout(cutOff);
        await store.close();
        lock?.release();
      })();
      return stopping;
    },
  };
}

export type Bot = Awaited<ReturnType<typeof startBot>>;

// The long connection (WebSocket) receiver: the SDK's WSClient, feeding the very same ingest as
// the webhook. WSClient hands each event envelope to `invoke` and acknowledges with {"code":200}
// when it returns, {"code":500} when it throws: so the event is stored before `invoke` returns,
// and a storage failure throws, which makes Feishu push the event again.
import type * as Lark from '@larksuiteoapi/node-sdk';
import { lark } from '../feishu/lark-sdk.js';
import { openEnvelope } from '../ingest/envelope.js';
import type { Ingest } from '../ingest/ingest.js';
import { fetchHttpInstance } from '../feishu/http.js';
import { describeError, sdkLogger } from '../feishu/sdk-logger.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface LongConnectionDeps {
  appId: string;
  appSecret: string;
  baseUrl: string;
  /** Seconds without any inbound frame after a ping before the socket is deemed dead. */
  pingTimeoutSeconds: number;
  ingest: Ingest;
  log: Logger;
  metrics?: Pick<Metrics, 'event'>;
}

export function startLongConnection({ appId, appSecret, baseUrl, pingTimeoutSeconds, ingest, log, metrics }: LongConnectionDeps) {
  let state: ConnectionState = 'connecting';
  const setState = (next: ConnectionState, fields: Record<string, unknown> = {}) => {
    if (next === state) return;
    log.info(`long connection ${next}`, { previous: state, ...fields });
    state = next;
  };

  // WSClient uses the HTTP instance only to ask for the socket's address (POST
  // /callback/ws/endpoint); it logs why that failed at debug level and retries in ~2 min. An
  // operator needs the host and cause at once: `ECONNREFUSED 127.0.0.1:9000 on POST /callback/ws/endpoint`.
  const http = fetchHttpInstance(15_000);
  const httpInstance: typeof http = {
    ...http,
    async request(options) {
      try {
        return await http.request(options);
      } catch (error) {
        log.warn('long connection endpoint request failed', { error: describeError(error) });
        throw error;
      }
    },
  };

  const client = new lark.WSClient({
    appId,
    appSecret,
    domain: baseUrl,
    httpInstance,
    logger: sdkLogger(log),
    loggerLevel: lark.LoggerLevel.warn,
    wsConfig: { pingTimeout: pingTimeoutSeconds },
    onReady: () => setState('connected'),
    onReconnecting: () => setState('reconnecting'),
    onReconnected: () => setState('connected'),
    onError: (error) => setState('failed', { error: error.message }),
  });

  const receiver = {
    async invoke(data: unknown): Promise<undefined> {
      const opened = openEnvelope(data);
      if (!opened.ok) {
        // Nothing to store and nothing a re-push would fix: acknowledged, and logged.
        log.warn('long connection frame refused', { error: opened.error });
        metrics?.event('unverified', 'refused');
        return undefined;
      }
      const { envelope } = opened;
      if (envelope.kind !== 'event') return undefined;
      if (envelope.appId !== undefined && envelope.appId !== appId) {
        log.warn('long connection event for another app refused', { eventId: envelope.eventId, appId: envelope.appId });
        metrics?.event(envelope.eventType, 'refused');
        return undefined;
      }
      try {
        await ingest(envelope, 'ws');
      } catch (error) {
        log.error('event could not be stored; acknowledged as failed', { eventId: envelope.eventId, error });
        throw error;
      }
      return undefined;
    },
  };

  void client.start({ eventDispatcher: receiver as unknown as Lark.EventDispatcher });

  return {
    /** The SDK's own view: connecting, connected, reconnecting, failed or idle. */
    state: (): string => (state === 'closed' || state === 'failed' ? state : client.getConnectionStatus().state),
    close(): void {
      setState('closed');
      client.close({ force: true });
    },
  };
}

export type LongConnection = ReturnType<typeof startLongConnection>;

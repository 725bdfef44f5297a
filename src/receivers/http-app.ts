// The bot's HTTP server: probes, and the webhook when the webhook is an event source.
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { secretEquals } from '../ingest/crypto.js';
import type { Logger } from '../log.js';

export interface Check {
  ok: boolean;
  [detail: string]: unknown;
}

export interface HttpAppDeps {
  /** The webhook routes, when EVENT_MODE includes the webhook. */
  webhook?: Hono<{ Bindings: HttpBindings }>;
  /** Readiness checks by name. */
  readiness: () => Promise<Record<string, Check>>;
  metrics?: { registry: Registry; token?: string };
  log: Logger;
}

export function httpApp({ webhook, readiness, metrics, log }: HttpAppDeps): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    const checks = await readiness();
    const ready = Object.values(checks).every((check) => check.ok);
    return c.json({ ready, checks }, ready ? 200 : 503);
  });
  if (metrics) {
    app.get('/metrics', async (c) => {
      if (metrics.token !== undefined) {
        const given = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
        if (!secretEquals(given, metrics.token)) return c.json({ error: 'metrics need Authorization: Bearer <METRICS_TOKEN>' }, 401);
      }
      return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
    });
  }
  if (webhook) app.route('/', webhook);
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    log.error('request failed', { path: c.req.path, error });
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}

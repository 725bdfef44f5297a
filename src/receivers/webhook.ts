// Feishu's request URL, as Hono routes.
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { Ingest } from '../ingest/ingest.js';
import { verifyWebhookRequest, type WebhookSecurity } from '../ingest/verify.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { readBody } from './raw-body.js';

export const WEBHOOK_PATH = '/webhook/event';
export const MAX_BODY_BYTES = 64 * 1024;

export interface WebhookDeps {
  security: WebhookSecurity;
  ingest: Ingest;
  log: Logger;
  metrics?: Pick<Metrics, 'event'>;
}

export function webhookRoutes({ security, ingest, log, metrics }: WebhookDeps): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();

  app.post(WEBHOOK_PATH, async (c) => {
    const body = await readBody(c.env.incoming, MAX_BODY_BYTES);
    if (!body.ok) {
      metrics?.event('unverified', 'refused');
      if (body.reason === 'too large') return c.json({ error: `body is over ${MAX_BODY_BYTES / 1024} KB` }, 413);
      return c.json({ error: 'the request body was cut off' }, 400);
    }
    const rawBody = body.bytes;
    let verified;
    try {
      verified = verifyWebhookRequest({ rawBody, header: (name) => c.req.header(name) }, security);
    } catch (error) {
      log.warn('webhook request unreadable', { error });
      metrics?.event('unverified', 'refused');
      return c.json({ error: 'the request could not be read' }, 400);
    }
    if (!verified.ok) {
      log.warn('webhook request refused', { status: verified.status, error: verified.error });
      metrics?.event('unverified', 'refused');
      return c.json({ error: verified.error }, verified.status);
    }
    const { envelope } = verified;
    if (envelope.kind === 'challenge') {
      log.info('url_verification answered');
      return c.json({ challenge: envelope.challenge });
    }
    let result;
    try {
      result = await ingest(envelope, 'webhook');
    } catch (error) {
      // Not stored, so not acknowledged: Feishu re-pushes it.
      log.error('event could not be stored', { eventId: envelope.eventId, error });
      return c.json({ error: 'the event could not be stored; retry later' }, 503);
    }
    return c.json({ ok: true, outcome: result.outcome });
  });

  app.all(WEBHOOK_PATH, (c) => c.json({ error: `method ${c.req.method} not allowed; Feishu POSTs here` }, 405, { Allow: 'POST' }));
  return app;
}

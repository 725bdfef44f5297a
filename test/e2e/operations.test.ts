// What an operator sees: readiness with reasons, Prometheus metrics, log lines.
import { afterEach, describe, expect, it } from 'vitest';
import { kindNamed } from '../../src/approvals/index.js';
import { openEnvelope } from '../../src/ingest/envelope.js';
import { remedySeedEvent, shiftSeedEvent } from '../../src/sandbox/seed-events.js';
import { APP, eventually, startHarness, type Harness } from '../support/harness.js';

const identity = { appId: APP.appId, token: APP.verificationToken };

/** A 换班 approval as ingest stores it. */
function oldShift() {
  const opened = openEnvelope(shiftSeedEvent(identity, { instance_code: 'OLD' }));
  if (!opened.ok || opened.envelope.kind !== 'event') throw new Error('the seed is not an event');
  const normalized = kindNamed('shift').normalize(opened.envelope.payload, opened.envelope);
  if (!normalized.ok) throw new Error(normalized.reason);
  return normalized.event;
}
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('GET /readyz', () => {
  it('is ready with each check and its reason', async () => {
    h = await startHarness();
    await h.bot.credentialsChecked;
    const response = await fetch(h.bot.url + '/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ready: true,
      checks: {
        database: { ok: true },
        sender: { ok: true, instance: expect.any(String), sending: true },
        credentials: { ok: true, state: 'accepted' },
        outbox: { ok: true, pending: 0, dead: 0, oldestWaitingSeconds: 0 },
      },
    });
  });

  it('stays ready while deliveries wait: lag is reported in /readyz and /metrics, not a reason to refuse events', async () => {
    h = await startHarness();
    h.sandbox.fail({ httpStatus: 500, code: 0, msg: 'down' });
    const sixMinutesAgo = Date.now() - 6 * 60_000;
    await h.bot.store.recordEvent(
      // A real approval, so the worker's attempts fail at Feishu (kept pending) rather than at rendering (dead).
      { eventId: 'ev_old', eventType: 'shift_approval', kind: 'shift', instanceCode: 'OLD', status: 'accepted', payload: JSON.stringify(oldShift()), receivedAt: sixMinutesAgo },
      [{ audience: 'employee', receiveIdType: 'open_id', receiveId: 'ou_old', uuid: 'u-old' }],
    );
    // The age is read on the server while the request is under way: 360 s, or 361 on a machine slow
    // enough to take over half a second to answer.
    const asked = Date.now();
    const response = await fetch(h.bot.url + '/readyz');
    const answered = Date.now();
    expect(response.status).toBe(200);
    const { outbox } = (await response.json()).checks;
    expect(outbox).toEqual({ ok: true, pending: 1, dead: 0, oldestWaitingSeconds: expect.any(Number) });
    expect(outbox.oldestWaitingSeconds).toBeGreaterThanOrEqual(Math.round((asked - sixMinutesAgo) / 1000));
    expect(outbox.oldestWaitingSeconds).toBeLessThanOrEqual(Math.round((answered - sixMinutesAgo) / 1000));
    const metrics = await (await fetch(h.bot.url + '/metrics')).text();
    expect(Number(/^approval_bot_oldest_waiting_delivery_seconds (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(360);
    expect(metrics).toMatch(/^approval_bot_outbox_depth 1$/m);
    // …and the webhook goes on taking events meanwhile.
    expect((await h.push(remedySeedEvent(identity))).status).toBe(200);
  });

  it('is not ready (503) when the database cannot be written', async () => {
    h = await startHarness();
    await h.bot.store.close();
    const response = await fetch(h.bot.url + '/readyz');
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.ready).toBe(false);
    expect(body.checks.database).toMatchObject({ ok: false, reason: expect.stringMatching(/^not writable: /) });
  });
});

describe('GET /metrics', () => {
  it('counts events by type and outcome, deliveries, latency and the outbox, in Prometheus text', async () => {
    h = await startHarness();
    await h.push(remedySeedEvent({ ...identity, eventId: 'ev_m1' }));
    await h.push(remedySeedEvent({ ...identity, eventId: 'ev_m1' }));
    await h.push(shiftSeedEvent(identity, { shift_time: 'soon' }));
    await h.push({ schema: '2.0', header: { event_id: 'ev_m3', event_type: 'calendar.calendar.event.changed_v4', token: APP.verificationToken, app_id: APP.appId }, event: {} });
    await fetch(h.webhook, { method: 'POST', body: 'not json' });
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'sent' })).length === 2, 'sent');
    const response = await fetch(h.bot.url + '/metrics');
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('approval_bot_events_total{type="approval.instance.remedy_group_update_v4",outcome="accepted"} 1');
    expect(text).toContain('approval_bot_events_total{type="approval.instance.remedy_group_update_v4",outcome="duplicate"} 1');
    expect(text).toContain('approval_bot_events_total{type="shift_approval",outcome="rejected"} 1');
    expect(text).toContain('approval_bot_events_total{type="calendar.calendar.event.changed_v4",outcome="ignored"} 1');
    expect(text).toContain('approval_bot_events_total{type="unverified",outcome="refused"} 1');
    expect(text).toContain('approval_bot_deliveries_total{outcome="sent"} 2');
    expect(text).toContain('approval_bot_delivery_latency_seconds_count 2');
    expect(text).toContain('approval_bot_outbox_depth 0');
    expect(text).toContain('approval_bot_dead_deliveries 0');
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('counts retries, rate-limit waits, token refreshes and dead deliveries', async () => {
    h = await startHarness();
    h.sandbox.fail({ match: (s) => s.receiveIdType === 'chat_id', code: 230002, msg: 'Bot is not in the chat' });
    h.sandbox.fail({ match: (s) => s.receiveIdType === 'user_id', times: 1, httpStatus: 429, code: 99991400, msg: 'limit', headers: { 'x-ogw-ratelimit-reset': '1' } });
    await h.push(remedySeedEvent(identity));
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'sent' })).length === 1, 'the DM', 5000);
    h.sandbox.revokeTokens();
    await h.push(shiftSeedEvent(identity));
    // Both DMs sent and both chat cards given up; the two run concurrently, in either order.
    await eventually(
      async () => (await h!.bot.store.deliveries({ status: 'sent' })).length === 2 && (await h!.bot.store.deliveries({ status: 'dead' })).length === 2,
      'the shift DM and both dead chat cards',
      5000,
    );
    const text = await (await fetch(h.bot.url + '/metrics')).text();
    expect(text).toContain('approval_bot_deliveries_total{outcome="dead"} 2');
    // The 429; the revoked token is found by the DM's send or by the team card's name lookup, whichever asks first.
    expect(text).toMatch(/approval_bot_deliveries_total\{outcome="retried"\} [1-9]/);
    expect(text).toContain('approval_bot_rate_limit_waits_total 1');
    expect(text).toMatch(/approval_bot_token_refreshes_total [1-9]/);
    expect(text).toContain('approval_bot_dead_deliveries 2');
  });

  it('asks for the bearer token when METRICS_TOKEN is set', async () => {
    h = await startHarness({ env: { METRICS_TOKEN: 'metrics-secret-1' } });
    expect((await fetch(h.bot.url + '/metrics')).status).toBe(401);
    expect((await fetch(h.bot.url + '/metrics', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const ok = await fetch(h.bot.url + '/metrics', { headers: { authorization: 'Bearer metrics-secret-1' } });
    expect(ok.status).toBe(200);
  });
});

describe('logs', () => {
  it('write one JSON line per event and per delivery attempt, with the ids that tie them together', async () => {
    h = await startHarness();
    await h.push(remedySeedEvent({ ...identity, eventId: 'ev_log' }));
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'sent' })).length === 2, 'sent');
    const records = h.logs.map((l) => JSON.parse(l));
    const event = records.find((r) => r.msg === 'event accepted');
    expect(event).toMatchObject({ level: 'info', eventId: 'ev_log', instanceCode: 'FC2CB9B2-966F-4B65-AC7E-B21E04F497CB', source: 'webhook' });
    const sent = records.filter((r) => r.msg === 'delivery sent');
    expect(sent).toHaveLength(2);
    for (const r of sent) expect(r).toMatchObject({ eventId: 'ev_log', instanceCode: 'FC2CB9B2-966F-4B65-AC7E-B21E04F497CB', deliveryId: expect.any(Number), attempt: 1, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });
});

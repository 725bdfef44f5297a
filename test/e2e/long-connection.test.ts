// Events over the long connection: the SDK's WSClient against the sandbox's WebSocket, speaking
// Feishu's protobuf frames; the same ingest as the webhook.
import { afterEach, describe, expect, it } from 'vitest';
import { remedySeedEvent, shiftSeedEvent } from '../../src/sandbox/seed-events.js';
import type { Store } from '../../src/store/store.js';
import { burst, exactlyOnce } from '../support/burst.js';
import { APP, eventually, startHarness, titles, type Harness } from '../support/harness.js';

const identity = { appId: APP.appId, token: APP.verificationToken };
const FAST_RECONNECT = { longConnection: { pingInterval: 1, reconnectInterval: 1, reconnectNonce: 0 } };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('long connection', () => {
  it('receives both seed events, acknowledges each with {"code":200}, and sends the expected cards', async () => {
    h = await startHarness({ env: { EVENT_MODE: 'ws' } });
    expect(await h.sandbox.ws.push(remedySeedEvent(identity))).toEqual({ code: 200 });
    expect(await h.sandbox.ws.push(shiftSeedEvent(identity))).toEqual({ code: 200 });
    const messages = await h.sandbox.waitForMessages(4);
    expect(messages.map((m) => `${m.receiveIdType}:${m.receiveId} ${titles(m.card).en}`).sort()).toEqual([
      `chat_id:${APP.teamChat} Shift change 12-01 ↔ 12-02`,
      `chat_id:${APP.teamChat} 补卡 approved for 17:23`,
      'open_id:ou_xxx Shift change 12-01 ↔ 12-02',
      'user_id:g12xxxxg 补卡 approved for 17:23',
    ]);
    // In ws mode there is no webhook, but the probes stay.
    expect((await fetch(h.webhook, { method: 'POST', body: '{}' })).status).toBe(404);
    const ready = await fetch(h.bot.url + '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { database: { ok: true }, longConnection: { ok: true, state: 'connected' }, outbox: { ok: true } } });
  });

  it('reconnects after the server drops the socket mid-stream; nothing is lost or doubled', async () => {
    h = await startHarness({ env: { EVENT_MODE: 'ws' }, sandbox: FAST_RECONNECT });
    const events = burst(30, 10, 'ev_ws');
    for (const event of events.slice(0, 15)) expect((await h.sandbox.ws.push(event)).code).toBe(200);
    h.sandbox.ws.drop();
    await eventually(async () => h!.sandbox.ws.stats.connections >= 2 || undefined, 'a new connection', 10_000);
    for (const event of events.slice(15)) expect((await h.sandbox.ws.push(event, 10_000)).code).toBe(200);
    await eventually(async () => exactlyOnce(h!.sandbox.messages, 30) || undefined, 'every approval once', 20_000);
    expect(h.logs.filter((l) => /"long connection (reconnecting|connected)"/.test(l)).map((l) => JSON.parse(l).msg)).toEqual([
      'long connection connected',
      'long connection reconnecting',
      'long connection connected',
    ]);
  }, 40_000);

  it('notices a half-open connection (no pongs) through the ping timeout and reconnects', async () => {
    h = await startHarness({ env: { EVENT_MODE: 'ws', WS_PING_TIMEOUT_SECONDS: '1' }, sandbox: FAST_RECONNECT });
    await h.sandbox.ws.connected();
    h.sandbox.ws.setSilent(true);
    await eventually(async () => h!.sandbox.ws.stats.connections >= 2 || undefined, 'a new connection', 10_000);
    h.sandbox.ws.setSilent(false);
    expect((await h.sandbox.ws.push(remedySeedEvent(identity), 10_000)).code).toBe(200);
    await h.sandbox.waitForMessages(2);
  }, 30_000);

  it('acknowledges a storage failure as a failure; the re-pushed event is then processed once', async () => {
    let failures = 1;
    const flaky = (store: Store): Store => ({
      ...store,
      async recordEvents(batch) {
        if (failures-- > 0) throw new Error('disk I/O error');
        return store.recordEvents(batch);
      },
    });
    h = await startHarness({ env: { EVENT_MODE: 'ws' }, wrapStore: flaky });
    const event = remedySeedEvent({ ...identity, eventId: 'ev_retry' });
    expect(await h.sandbox.ws.push(event)).toEqual({ code: 500 });
    expect((await h.bot.store.event('ev_retry'))).toBeUndefined();
    expect(await h.sandbox.ws.push(event)).toEqual({ code: 200 }); // Feishu re-pushes
    expect(await h.sandbox.ws.push(event)).toEqual({ code: 200 }); // and a duplicate is harmless
    await h.sandbox.waitForMessages(2);
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'sent' })).length === 2, 'sent');
    expect(h.sandbox.messages).toHaveLength(2);
  });

  it('in both mode, the same event by webhook and by long connection gives one card per recipient', async () => {
    h = await startHarness({ env: { EVENT_MODE: 'both' } });
    const event = shiftSeedEvent({ ...identity, eventId: 'ev_both' });
    const [viaWebhook, viaWs] = await Promise.all([h.push(event), h.sandbox.ws.push(event)]);
    expect(viaWebhook.status).toBe(200);
    expect(viaWs).toEqual({ code: 200 });
    await h.sandbox.waitForMessages(2);
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'sent' })).length === 2, 'sent');
    expect(h.sandbox.messages.map((m) => m.receiveId).sort()).toEqual([APP.teamChat, 'ou_xxx']);
  });
});
